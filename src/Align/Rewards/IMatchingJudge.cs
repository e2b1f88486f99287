using Torch;

namespace Align.Rewards;

/// <summary>
/// A reward that is a binary classifier of whether an image matches its prompt (an image-text matching judge): its score
/// is log σ(logit). Training it needs the logits themselves, for the matched and for a mismatched caption of each image.
/// </summary>
public interface IMatchingJudge : IRewardModel
{
    /// <param name="images">[B, 3, H, W] in [0, 1]</param>
    /// <returns>[B] match logits of each image with its prompt</returns>
    Tensor Logits(Tensor images, IReadOnlyList<string> prompts);

    /// <summary>The logits of each image with two captions; a judge may share what it computes from the image alone.</summary>
    (Tensor First, Tensor Second) Logits(Tensor images, IReadOnlyList<string> first, IReadOnlyList<string> second) =>
        (Logits(images, first), Logits(images, second));

    /// <summary>A judge's score: log σ(match logit) ≤ 0, which saturates once the judge is sure (so ReNO stops pushing an
    /// image that already matches).</summary>
    /// <returns>[B]</returns>
    static Tensor LogMatchProbability(IMatchingJudge judge, Tensor images, IReadOnlyList<string> prompts)
    {
        using var scope = torch.NewDisposeScope();
        return F.LogSigmoid(judge.Logits(images, prompts)).MoveToOuterScope();
    }

    /// <summary>Writes the judge as a reward model directory <see cref="RewardModels.Load"/> reads (tokenizer files are the caller's to copy).</summary>
    void SavePretrained(string directory);
}

/// <summary>Reading a judge stored as a CLIP directory (the towers it uses, the tokenizer) with its head in a subdirectory.</summary>
internal static class ClipJudgeDirectory
{
    /// <param name="make">builds the judge, throwing where the head does not fit the towers</param>
    /// <remarks>What was read is disposed when a later part fails.</remarks>
    public static TJudge Load<TTowers, THead, TJudge>(string directory, string headDirectory, Func<string, TTowers> readTowers,
        Func<string, THead> readHead, Func<TTowers, THead, Text.ClipTokenizer, TJudge> make)
        where TTowers : Torch.NN.Module where THead : Torch.NN.Module
    {
        THead head = readHead(Path.Combine(directory, headDirectory));
        TTowers? towers = null;
        try
        {
            towers = readTowers(directory);
            return make(towers, head, Text.ClipTokenizer.FromDirectory(directory));
        }
        catch
        {
            towers?.Dispose();
            head.Dispose();
            throw;
        }
    }
}
