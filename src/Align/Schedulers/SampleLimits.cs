using Torch;

namespace Align.Schedulers;

/// <summary>DDIM/LCM limits on the predicted x₀: dynamic thresholding if configured, else clipping if configured.</summary>
internal static class SampleLimits
{
    private static readonly Op Quantile = new("aten::quantile", "scalar");

    /// <summary>The limited x₀ (a new tensor, or <paramref name="x0"/> itself when no limit is configured).</summary>
    public static Tensor Apply(Tensor x0, DdimFamilyConfig config)
    {
        if (config.Thresholding) return Threshold(x0, config.DynamicThresholdingRatio, config.SampleMaxValue);
        if (config.ClipSample) return x0.Clamp(-config.ClipSampleRange, config.ClipSampleRange);
        return x0;
    }

    // Imagen's dynamic thresholding: per sample, s = clamp(quantile(|x|, ratio), 1, max); x → clamp(x, −s, s) / s.
    private static Tensor Threshold(Tensor x0, double ratio, double maxValue)
    {
        if (x0.Dim < 2) throw new ArgumentException($"thresholding needs [batch, channels, ...] samples, got {x0.Dim}-D", nameof(x0));
        using var scope = torch.NewDisposeScope();
        long[] shape = x0.Shape;
        Tensor x = x0.DType is DType.Float32 or DType.Float64 ? x0 : x0.To(DType.Float32);
        Tensor flat = x.Reshape(shape[0], -1);
        Tensor s = Quantile.Call(flat.Abs(), ratio, 1L, false, "linear").Clamp(1, maxValue).Unsqueeze(1);
        Tensor limited = flat.Maximum(-s).Minimum(s) / s;
        return limited.Reshape(shape).To(x0.DType).MoveToOuterScope();
    }
}
