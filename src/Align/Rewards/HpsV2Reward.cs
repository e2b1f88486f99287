using Align.Models;
using Align.Models.Clip;
using Align.Text;
using Torch;

namespace Align.Rewards;

/// <summary>
/// HPSv2 (Human Preference Score v2, tgxs002/HPSv2; an open_clip ViT-H-14 fine-tuned on human preferences): the
/// cosine of the image and prompt embeddings, without the logit scale, as HPSv2's <c>score</c> reports it
/// (<c>diag(image_features @ text_features.T)</c> of normalised features). Differentiable in the images.
/// <para>Directory layout:</para>
/// <list type="bullet">
/// <item><c>open_clip_config.json</c>: open_clip's model config (see <see cref="OpenClipConfig"/>), bare or as
/// <c>{"model_cfg": ..., "preprocess_cfg": ...}</c> the way open_clip writes it for the hub</item>
/// <item><c>open_clip_model.safetensors</c>: the checkpoint's state dict in open_clip's layout (HPS_v2.1_compressed.pt's
/// <c>state_dict</c> converted to safetensors; see <see cref="OpenClipCheckpoint"/>)</item>
/// <item>the CLIP tokenizer files (<c>vocab.json</c>, <c>merges.txt</c>, <c>tokenizer_config.json</c>, as in a
/// transformers CLIP directory): open_clip's SimpleTokenizer is the same BPE</item>
/// </list>
/// </summary>
public sealed class HpsV2Reward(ClipModel model, ClipTokenizer tokenizer, string name = "hpsv2",
    IReadOnlyList<float>? imageMean = null, IReadOnlyList<float>? imageStd = null) : IRewardModel
{
    public const string WeightsFileName = "open_clip_model.safetensors";

    public ClipModel Model => model;
    public IReadOnlyList<Torch.NN.Module> Modules => [model];
    public string Name => name;
    public bool IsDifferentiable => true;

    /// <summary>Loads the directory layout described on the class.</summary>
    public static HpsV2Reward FromPretrained(string directory, string name = "hpsv2")
    {
        if (!Directory.Exists(directory)) throw new ModelLoadException($"{directory}: directory not found");
        OpenClipConfig config = OpenClipConfig.Load(Path.Combine(directory, OpenClipConfig.FileName));
        ClipTokenizer tokenizer = ClipTokenizer.FromDirectory(directory);
        ClipModel model = OpenClipCheckpoint.Load(config, Path.Combine(directory, WeightsFileName));
        return new HpsV2Reward(model, tokenizer, name, config.ImageMean, config.ImageStd);
    }

    /// <param name="images">[B, 3, H, W] in [0, 1]</param>
    /// <param name="prompts">one per image</param>
    /// <returns>[B] scores in [-1, 1]</returns>
    public Tensor Score(Tensor images, IReadOnlyList<string> prompts)
    {
        if (images.Size(0) != prompts.Count) throw new ArgumentException($"{images.Size(0)} images but {prompts.Count} prompts", nameof(prompts));
        using var scope = torch.NewDisposeScope();
        Tensor pixels = ClipImagePreprocessing.Preprocess(images, model.VisionConfig.ImageSize, imageMean, imageStd);
        return ScorePixelValues(pixels, prompts).MoveToOuterScope();
    }

    /// <summary>Scores already preprocessed pixel values [B, 3, S, S].</summary>
    public Tensor ScorePixelValues(Tensor pixelValues, IReadOnlyList<string> prompts)
    {
        if (pixelValues.Size(0) != prompts.Count) throw new ArgumentException($"{pixelValues.Size(0)} images but {prompts.Count} prompts", nameof(prompts));
        using var scope = torch.NewDisposeScope();
        Tensor image = F.Normalize(model.ImageFeatures(pixelValues), dim: -1);
        Tensor text = F.Normalize(TextFeatures(prompts, pixelValues.Device), dim: -1);
        return (image * text).Sum(-1).MoveToOuterScope();
    }

    /// <summary>
    /// open_clip's <c>encode_text</c>: the causal mask alone (no padding mask) and the EOT token's feature; with causal
    /// attention the padding after the EOT cannot change it, so padding to the longest prompt equals open_clip's 77.
    /// </summary>
    public Tensor TextFeatures(IReadOnlyList<string> prompts, Device device)
    {
        using var scope = torch.NewDisposeScope();
        TokenizedBatch tokens = tokenizer.EncodeBatch(prompts, Padding.Longest, model.TextConfig.MaxPositionEmbeddings);
        Tensor ids = tokens.InputIdsTensor(device);
        return model.TextFeatures(ids).MoveToOuterScope();
    }

    public void Dispose() => model.Dispose();
}
