using Torch;

namespace Align.Rewards;

/// <summary>
/// CLIP's image preprocessing as tensor ops, so the graph stays differentiable from pixels to scores: resize the short
/// side to the vision tower's size (bicubic, antialiased when shrinking), centre crop, normalise with OpenAI CLIP's
/// mean/std unless a model gives its own. transformers' CLIPImageProcessor and open_clip's default transform (used by
/// CLIP score, PickScore, HPSv2 and the aesthetic predictor's CLIP ViT-L) all do these steps with these constants.
/// </summary>
public static class ClipImagePreprocessing
{
    public static readonly IReadOnlyList<float> OpenAIMean = [0.48145466f, 0.4578275f, 0.40821073f];
    public static readonly IReadOnlyList<float> OpenAIStd = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <param name="images">[B, 3, H, W] in [0, 1]</param>
    /// <param name="size">the vision tower's square input size</param>
    /// <param name="mean">per-channel mean; OpenAI CLIP's when null</param>
    /// <param name="std">per-channel standard deviation; OpenAI CLIP's when null</param>
    /// <returns>normalised pixel values [B, 3, size, size]</returns>
    public static Tensor Preprocess(Tensor images, int size, IReadOnlyList<float>? mean = null, IReadOnlyList<float>? std = null)
    {
        if (images.Dim != 4 || images.Size(1) != 3) throw new ArgumentException($"images must be [B, 3, H, W], got [{string.Join(", ", images.Shape)}]", nameof(images));
        using var scope = torch.NewDisposeScope();
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
        return ((x - Channels(mean ?? OpenAIMean, x)) / Channels(std ?? OpenAIStd, x)).MoveToOuterScope();
    }

    private static Tensor Channels(IReadOnlyList<float> values, Tensor like)
    {
        if (values.Count != 3) throw new ArgumentException($"expected 3 per-channel values, got {values.Count}");
        return Tensor.FromArray(values.ToArray(), 1, 3, 1, 1).To(like.Device, like.DType);
    }
}
