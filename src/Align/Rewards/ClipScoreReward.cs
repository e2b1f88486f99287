using Align.Models.Clip;
using Align.Text;
using Torch;

namespace Align.Rewards;

/// <summary>
/// CLIP score of images against prompts with a transformers CLIPModel: <c>exp(logit_scale) · cos(image, text)</c>.
/// Differentiable in the images: preprocessing (resize to the vision tower's size, centre crop, CLIP mean/std) is done
/// with tensor ops inside the graph.
/// </summary>
public sealed class ClipScoreReward(ClipModel model, ClipTokenizer tokenizer, string name = "clip-score") : IRewardModel
{
    private static readonly float[] Mean = [0.48145466f, 0.4578275f, 0.40821073f], Std = [0.26862954f, 0.26130258f, 0.27577711f];

    public ClipModel Model => model;
    public string Name => name;
    public bool IsDifferentiable => true;

    /// <summary>Loads a CLIPModel directory that also holds its tokenizer files.</summary>
    public static ClipScoreReward FromPretrained(string directory, string name = "clip-score") =>
        new(ClipModel.FromPretrained(directory), ClipTokenizer.FromDirectory(directory), name);

    /// <param name="images">[B, 3, H, W] in [0, 1]</param>
    /// <param name="prompts">one per image</param>
    /// <returns>[B] scores</returns>
    public Tensor Score(Tensor images, IReadOnlyList<string> prompts)
    {
        if (images.Size(0) != prompts.Count) throw new ArgumentException($"{images.Size(0)} images but {prompts.Count} prompts", nameof(prompts));
        using var scope = torch.NewDisposeScope();
        Tensor pixels = Preprocess(images);
        TokenizedBatch tokens = tokenizer.EncodeBatch(prompts, Padding.Longest, model.TextConfig.MaxPositionEmbeddings);
        Tensor ids = Tensor.FromArray(tokens.InputIds.SelectMany(x => x).ToArray(), prompts.Count, tokens.Length).To(images.Device);
        Tensor mask = Tensor.FromArray(tokens.AttentionMask.SelectMany(x => x).ToArray(), prompts.Count, tokens.Length).To(images.Device);
        Tensor image = F.Normalize(model.ImageFeatures(pixels), dim: -1);
        Tensor text = F.Normalize(model.TextFeatures(ids, mask), dim: -1);
        return ((image * text).Sum(-1) * model.logit_scale.Exp()).MoveToOuterScope();
    }

    /// <summary>Resize the short side to the vision size (bicubic, antialiased when shrinking), centre crop, normalise.</summary>
    public Tensor Preprocess(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        int size = model.VisionConfig.ImageSize;
        long h = images.Size(2), w = images.Size(3);
        Tensor x = images;
        if (Math.Min(h, w) != size)
        {
            double s = size / (double)Math.Min(h, w);
            long[] target = [Math.Max(size, (long)Math.Round(h * s)), Math.Max(size, (long)Math.Round(w * s))];
            // Clamped as PIL clamps its resampled pixels (bicubic overshoots at sharp edges).
            x = F.Interpolate(x, size: target, mode: "bicubic", antialias: s < 1).Clamp(0.0, 1.0);
        }
        long top = (x.Size(2) - size) / 2, left = (x.Size(3) - size) / 2;
        x = x.Narrow(2, top, size).Narrow(3, left, size);
        Tensor mean = Tensor.FromArray(Mean, 1, 3, 1, 1).To(x.Device), std = Tensor.FromArray(Std, 1, 3, 1, 1).To(x.Device);
        return ((x - mean) / std).MoveToOuterScope();
    }

    public void Dispose() => model.Dispose();
}
