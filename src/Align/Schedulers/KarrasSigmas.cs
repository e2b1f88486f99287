namespace Align.Schedulers;

/// <summary>Karras et al. (2022) noise levels, and diffusers' mapping of a sigma back to a (fractional) training timestep.</summary>
internal static class KarrasSigmas
{
    private const double Rho = 7.0;

    /// <summary>n sigmas from σ_max to σ_min evenly spaced in σ^(1/ρ) (ρ = 7); the extremes default to those of <paramref name="sigmas"/>.</summary>
    public static double[] From(double[] sigmas, int n, double? sigmaMin, double? sigmaMax)
    {
        double min = sigmaMin ?? sigmas[^1], max = sigmaMax ?? sigmas[0];
        double minInvRho = Math.Pow(min, 1 / Rho), maxInvRho = Math.Pow(max, 1 / Rho);
        double[] ramp = NumPy.Linspace(0, 1, n);
        return ramp.Select(r => Math.Pow(maxInvRho + r * (minInvRho - maxInvRho), Rho)).ToArray();
    }

    /// <summary>
    /// diffusers' <c>_sigma_to_t</c>: interpolates log σ between the two training sigmas around it. NumPy 1.x promotes
    /// the float64 log σ to the float32 of <paramref name="logSigmas"/> there, so distances and the weight are float32.
    /// </summary>
    public static double ToTimestep(double sigma, float[] logSigmas)
    {
        float logSigma = (float)Math.Log(Math.Max(sigma, 1e-10));
        int low = 0;
        for (int i = 0; i < logSigmas.Length; i++)
            if (logSigma - logSigmas[i] >= 0) low = i;
        low = Math.Min(low, logSigmas.Length - 2);
        int high = low + 1;
        float w = (logSigmas[low] - logSigma) / (logSigmas[low] - logSigmas[high]);
        w = Math.Clamp(w, 0f, 1f);
        return (double)(1f - w) * low + (double)w * high;
    }
}
