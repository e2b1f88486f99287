using Torch;

namespace Align.Alignment;

/// <summary>
/// Attend-and-Excite's Gaussian smoothing of a 2-D attention map (Chefer et al. 2023, §4: smoothing keeps the maximum
/// from rewarding a single patch): a normalised k×k kernel, reflect padding, one convolution.
/// </summary>
public static class GaussianSmoothing
{
    /// <summary>
    /// The reference implementation's kernel: the product over both axes of exp(−((x − μ)/(2σ))²), normalised to sum 1.
    /// Note the reference divides by 2σ before squaring (an effective variance of 2σ²), not the textbook exp(−(x−μ)²/(2σ²));
    /// it is kept so that the same σ smooths the same amount.
    /// </summary>
    public static float[,] Kernel(int size = 3, double sigma = 0.5)
    {
        if (size < 1 || size % 2 == 0) throw new ArgumentException($"the smoothing kernel size must be odd and positive, got {size}", nameof(size));
        if (!(sigma > 0)) throw new ArgumentException($"the smoothing sigma must be positive, got {sigma}", nameof(sigma));
        double mean = (size - 1) / 2.0;
        double[] axis = Enumerable.Range(0, size).Select(x => Math.Exp(-Math.Pow((x - mean) / (2 * sigma), 2))).ToArray();
        double total = axis.Sum() * axis.Sum();
        var kernel = new float[size, size];
        for (int i = 0; i < size; i++)
            for (int j = 0; j < size; j++)
                kernel[i, j] = (float)(axis[i] * axis[j] / total);
        return kernel;
    }

    /// <summary>Smooths a [H, W] map (same size out, differentiable).</summary>
    public static Tensor Smooth(Tensor map, int size = 3, double sigma = 0.5)
    {
        if (map.Dim != 2) throw new ArgumentException($"smoothing takes a [H, W] map, got {map.Dim}-D", nameof(map));
        using var scope = torch.NewDisposeScope();
        float[,] k = Kernel(size, sigma);
        Tensor weight = Tensor.FromArray(k.Cast<float>().ToArray(), 1, 1, size, size).To(map.Device, map.DType);
        int pad = size / 2;
        Tensor padded = F.Pad(map.Unsqueeze(0).Unsqueeze(0), [pad, pad, pad, pad], "reflect");
        return F.Conv2d(padded, weight).Squeeze(0).Squeeze(0).MoveToOuterScope();
    }
}
