using Align.Models.Clip;
using Align.Text;
using Torch;

namespace Align.Rewards;

/// <summary>
/// A learned judge of whether an image shows what its prompt says: a CLIPModel's towers keep their tokens (the image's
/// patches, not just its class token) and an <see cref="ImageTextMatchingHead"/> classifies the pair, as BLIP's image-text
/// matching does and ImageReward builds on. The score is the log-probability of a match, log σ(logit) ≤ 0: it saturates
/// once the judge is sure, so ReNO stops pushing an image that already matches. Differentiable in the images.
/// <para>Directory layout: a transformers CLIPModel directory with its tokenizer files (the towers), and
/// <c>itm_head/</c> holding <c>config.json</c> (<see cref="ImageTextMatchingConfig"/>) and <c>model.safetensors</c>.</para>
/// </summary>
public sealed class ImageTextMatchingReward(ClipModel clip, ImageTextMatchingHead head, ClipTokenizer tokenizer, string name = "itm") : IMatchingJudge
{
    public const string HeadDirectory = "itm_head";

    public ClipModel Clip => clip;
    public ImageTextMatchingHead Head => head;
    public IReadOnlyList<Torch.NN.Module> Modules => [clip, head];
    public ClipTokenizer Tokenizer => tokenizer;
    public string Name => name;
    public bool IsDifferentiable => true;

    public static ImageTextMatchingReward FromPretrained(string directory, string name = "itm") =>
        ClipJudgeDirectory.Load(directory, HeadDirectory, ClipModel.FromPretrained, ImageTextMatchingHead.FromPretrained,
            (clip, head, tokenizer) => new ImageTextMatchingReward(Checked(clip, head, directory), head, tokenizer, name));

    /// <summary>A new head of <paramref name="layers"/> blocks, sized to the towers (for training one).</summary>
    public static ImageTextMatchingHead NewHead(ClipModel clip, int layers = 2, int heads = 4) =>
        new(new ImageTextMatchingConfig
        {
            HiddenSize = clip.TextConfig.HiddenSize, ContextSize = clip.VisionConfig.HiddenSize, NumLayers = layers, NumAttentionHeads = heads,
        });

    /// <summary>Writes the directory layout described on the class (tokenizer files are the caller's to copy).</summary>
    public void SavePretrained(string directory)
    {
        clip.SavePretrained(directory);
        head.SavePretrained(Path.Combine(directory, HeadDirectory));
    }

    /// <param name="images">[B, 3, H, W] in [0, 1]</param>
    /// <param name="prompts">one per image</param>
    /// <returns>[B] log σ(match logit)</returns>
    public Tensor Score(Tensor images, IReadOnlyList<string> prompts) => IMatchingJudge.LogMatchProbability(this, images, prompts);

    /// <returns>[B] match logits of each image with its prompt</returns>
    public Tensor Logits(Tensor images, IReadOnlyList<string> prompts)
    {
        using var scope = torch.NewDisposeScope();
        return MatchLogits(ImageTokens(images), prompts).MoveToOuterScope();
    }

    /// <summary>Both captions' logits from one pass of the vision tower.</summary>
    public (Tensor First, Tensor Second) Logits(Tensor images, IReadOnlyList<string> first, IReadOnlyList<string> second)
    {
        using var scope = torch.NewDisposeScope();
        Tensor tokens = ImageTokens(images);
        return (MatchLogits(tokens, first).MoveToOuterScope(), MatchLogits(tokens, second).MoveToOuterScope());
    }

    /// <param name="images">[B, 3, H, W] in [0, 1]</param>
    /// <returns>the vision tower's post-normed tokens [B, 1 + patches, C]: the head's keys and values</returns>
    public Tensor ImageTokens(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        Tensor pixels = ClipImagePreprocessing.Preprocess(images, clip.VisionConfig.ImageSize);
        (Tensor last, _) = clip.vision_model.Forward(pixels);
        return clip.vision_model.post_layernorm.Forward(last).MoveToOuterScope();
    }

    /// <param name="imageTokens">from <see cref="ImageTokens"/>, one per prompt</param>
    /// <returns>[B] match logits</returns>
    public Tensor MatchLogits(Tensor imageTokens, IReadOnlyList<string> prompts)
    {
        if (imageTokens.Size(0) != prompts.Count) throw new ArgumentException($"{imageTokens.Size(0)} images but {prompts.Count} prompts", nameof(prompts));
        using var scope = torch.NewDisposeScope();
        TokenizedBatch tokens = tokenizer.EncodeBatch(prompts, Padding.Longest, clip.TextConfig.MaxPositionEmbeddings);
        Tensor ids = tokens.InputIdsTensor(imageTokens.Device);
        Tensor mask = tokens.AttentionMaskTensor(imageTokens.Device);
        (Tensor text, _, _) = clip.text_model.Forward(ids, mask);
        return head.Forward(text, mask, imageTokens).MoveToOuterScope();
    }

    public void Dispose()
    {
        clip.Dispose();
        head.Dispose();
    }

    private static ClipModel Checked(ClipModel clip, ImageTextMatchingHead head, string directory) =>
        head.Config.HiddenSize == clip.TextConfig.HiddenSize && head.Config.ContextSize == clip.VisionConfig.HiddenSize
            ? clip
            : throw new Models.ModelLoadException($"{directory}: {HeadDirectory} takes text tokens of {head.Config.HiddenSize} and image tokens of " +
                                                  $"{head.Config.ContextSize}, but the CLIP towers give {clip.TextConfig.HiddenSize} and {clip.VisionConfig.HiddenSize}");
}
