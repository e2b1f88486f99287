using Torch;

namespace Align.Schedulers;

/// <summary>
/// The training noise schedule (betas → ᾱ = cumprod(1 − β)), computed with the same float32 torch operations
/// as diffusers so the values agree bit for bit.
/// </summary>
internal static class NoiseSchedule
{
    /// <summary>ᾱ_t for t = 0 … T−1 (float32).</summary>
    public static float[] AlphasCumprod(SchedulerConfig config)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = Autograd.NoGrad();
        Tensor betas = Betas(config);
        if (config.RescaleBetasZeroSnr) betas = RescaleZeroTerminalSnr(betas);
        return (1.0 - betas).Cumprod(0).ToArray<float>();
    }

    private static Tensor Betas(SchedulerConfig c)
    {
        int n = c.NumTrainTimesteps;
        if (c.TrainedBetas is not null) return Tensor.FromArray(c.TrainedBetas.Select(b => (float)b).ToArray(), n);
        return c.BetaSchedule switch
        {
            BetaSchedule.Linear => torch.Linspace(c.BetaStart, c.BetaEnd, n, DType.Float32),
            // Python's ** is C pow, as Math.Pow
            BetaSchedule.ScaledLinear => torch.Linspace(Math.Pow(c.BetaStart, 0.5), Math.Pow(c.BetaEnd, 0.5), n, DType.Float32).Pow(2),
            BetaSchedule.SquaredCosCapV2 => Tensor.FromArray(CosineBetas(n), n),
            _ => throw new ArgumentOutOfRangeException(nameof(c), c.BetaSchedule, "unknown beta schedule"),
        };
    }

    // diffusers' betas_for_alpha_bar with the cosine ᾱ(t) (Nichol & Dhariwal 2021), computed in float64 and stored as float32.
    private static float[] CosineBetas(int n, double maxBeta = 0.999)
    {
        static double AlphaBar(double t)
        {
            double c = Math.Cos((t + 0.008) / 1.008 * Math.PI / 2);
            return c * c;
        }
        var betas = new float[n];
        for (int i = 0; i < n; i++)
        {
            double t1 = (double)i / n, t2 = (double)(i + 1) / n;
            betas[i] = (float)Math.Min(1 - AlphaBar(t2) / AlphaBar(t1), maxBeta);
        }
        return betas;
    }

    // arXiv:2305.08891, Algorithm 1: shift √ᾱ so the last is 0, scale so the first is unchanged, back to betas.
    private static Tensor RescaleZeroTerminalSnr(Tensor betas)
    {
        Tensor sqrtBar = (1.0 - betas).Cumprod(0).Sqrt();
        double first = sqrtBar[0].ToDouble(), last = sqrtBar[-1].ToDouble();
        float scale = (float)first / ((float)first - (float)last);
        Tensor shifted = (sqrtBar - last) * scale;
        Tensor bar = shifted.Pow(2);
        Tensor ratios = bar[1..] / bar[..^1];
        return 1.0 - torch.Cat([bar[..1], ratios]);
    }
}
