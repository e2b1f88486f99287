using Align.Models.Clip;
using Align.Text;
using Torch;

namespace Align.Rewards;

/// <summary>
/// A learned judge that keeps spatial layout: the prompt, encoded by a CLIP text tower (its pooled output), conditions
/// every block of a <see cref="FilmHead"/> that reads the image through convolutions over coordinate maps (FiLM, Perez
/// et al. 2018, which answers CLEVR's relational questions this way). The score is log σ(match logit) ≤ 0, as for
/// <see cref="ImageTextMatchingReward"/>. Differentiable in the images.
/// <para>Directory layout: a transformers CLIPTextModel directory with its tokenizer files, and <c>film_head/</c> holding
/// <c>config.json</c> (<see cref="FilmConfig"/>) and <c>model.safetensors</c>. A whole CLIPModel directory in place of the text
/// model also loads (its text tower is read, as by transformers' <c>CLIPTextModel.from_pretrained</c>): judges were saved so
/// before they dropped the vision tower they never use.</para>
/// </summary>
public sealed class FilmJudgeReward(ClipTextModel text, FilmHead head, ClipTokenizer tokenizer, string name = "film") : IMatchingJudge
{
    public const string HeadDirectory = "film_head";

    public ClipTextModel Text => text;
    public FilmHead Head => head;
    public IReadOnlyList<Torch.NN.Module> Modules => [text, head];
    public string Name => name;
    public bool IsDifferentiable => true;

    public static FilmJudgeReward FromPretrained(string directory, string name = "film") =>
        ClipJudgeDirectory.Load(directory, HeadDirectory, ClipTextModel.FromPretrained, FilmHead.FromPretrained, (text, head, tokenizer) =>
            head.Config.TextSize == text.Config.HiddenSize
                ? new FilmJudgeReward(text, head, tokenizer, name)
                : throw new Models.ModelLoadException($"{directory}: {HeadDirectory} takes a text embedding of {head.Config.TextSize}, but the CLIP text tower gives {text.Config.HiddenSize}"));

    /// <summary>A new head sized to the text tower, for images of <paramref name="imageSize"/> (for training one).</summary>
    public static FilmHead NewHead(ClipTextModel text, int imageSize, int channels = 64, int blocks = 4, string pooling = FilmConfig.MaxPooling) =>
        new(new FilmConfig { TextSize = text.Config.HiddenSize, ImageSize = imageSize, Channels = channels, NumBlocks = blocks, Pooling = pooling });

    /// <summary>Writes the directory layout described on the class (tokenizer files are the caller's to copy).</summary>
    public void SavePretrained(string directory)
    {
        text.SavePretrained(directory);
        head.SavePretrained(Path.Combine(directory, HeadDirectory));
    }

    /// <returns>[B] log σ(match logit)</returns>
    public Tensor Score(Tensor images, IReadOnlyList<string> prompts) => IMatchingJudge.LogMatchProbability(this, images, prompts);

    public Tensor Logits(Tensor images, IReadOnlyList<string> prompts)
    {
        if (images.Size(0) != prompts.Count) throw new ArgumentException($"{images.Size(0)} images but {prompts.Count} prompts", nameof(prompts));
        using var scope = torch.NewDisposeScope();
        TokenizedBatch tokens = tokenizer.EncodeBatch(prompts, Padding.Longest, text.Config.MaxPositionEmbeddings);
        (_, Tensor pooled, _) = text.text_model.Forward(tokens.InputIdsTensor(images.Device), tokens.AttentionMaskTensor(images.Device));
        return head.Forward(images, pooled).MoveToOuterScope();
    }

    public void Dispose()
    {
        text.Dispose();
        head.Dispose();
    }
}
