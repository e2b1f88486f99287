namespace Align.ShapeWorld;

/// <summary>Seeded image corruptions standing in for imperfect model outputs; each returns a new image.</summary>
public static class Degradations
{
    /// <summary>Separable Gaussian blur, edges clamped.</summary>
    public static RgbImage GaussianBlur(RgbImage image, double sigma)
    {
        if (sigma <= 0) return image.Clone();
        int radius = (int)Math.Ceiling(3 * sigma);
        var kernel = new float[2 * radius + 1];
        double sum = 0;
        for (int k = -radius; k <= radius; k++) sum += kernel[k + radius] = (float)Math.Exp(-k * k / (2 * sigma * sigma));
        for (int k = 0; k < kernel.Length; k++) kernel[k] /= (float)sum;

        int w = image.Width, h = image.Height;
        float[] src = image.Data, tmp = new float[src.Length], dst = new float[src.Length];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                {
                    float acc = 0;
                    for (int k = -radius; k <= radius; k++)
                        acc += kernel[k + radius] * src[3 * (y * w + Math.Clamp(x + k, 0, w - 1)) + c];
                    tmp[3 * (y * w + x) + c] = acc;
                }
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                {
                    float acc = 0;
                    for (int k = -radius; k <= radius; k++)
                        acc += kernel[k + radius] * tmp[3 * (Math.Clamp(y + k, 0, h - 1) * w + x) + c];
                    dst[3 * (y * w + x) + c] = acc;
                }
        return new RgbImage(w, h, dst);
    }

    /// <summary>Adds independent N(0, std²) noise to every value, then clamps to [0, 1].</summary>
    public static RgbImage AddNoise(RgbImage image, double std, int seed)
    {
        var random = new Random(seed);
        var data = new float[image.Data.Length];
        for (int i = 0; i < data.Length; i++)
            data[i] = Math.Clamp(image.Data[i] + (float)(std * Normal(random)), 0f, 1f);
        return new RgbImage(image.Width, image.Height, data);
    }

    /// <summary>
    /// Random brightness (×[1−s, 1+s]), contrast about the mean grey (×[1−s, 1+s]) and per-channel offsets
    /// (±s/2), then clamps to [0, 1].
    /// </summary>
    public static RgbImage ColourJitter(RgbImage image, double strength, int seed)
    {
        var random = new Random(seed);
        double Uniform(double half) => (2 * random.NextDouble() - 1) * half;
        double brightness = 1 + Uniform(strength), contrast = 1 + Uniform(strength);
        double[] offset = [Uniform(strength / 2), Uniform(strength / 2), Uniform(strength / 2)];
        double mean = image.Data.Average(v => (double)v);
        var data = new float[image.Data.Length];
        for (int i = 0; i < data.Length; i++)
        {
            double v = image.Data[i] * brightness;
            v = mean + (v - mean) * contrast + offset[i % 3];
            data[i] = (float)Math.Clamp(v, 0, 1);
        }
        return new RgbImage(image.Width, image.Height, data);
    }

    /// <summary>
    /// The standard degraded test condition: blur σ ∈ [0.5, 1.3] px (scaled to a 64-pixel canvas), noise std ∈ [0.02, 0.10],
    /// jitter strength ∈ [0.05, 0.20], all drawn from <paramref name="seed"/>.
    /// </summary>
    public static RgbImage Degrade(RgbImage image, int seed)
    {
        var random = new Random(seed);
        double scale = image.Width / 64.0;
        double sigma = (0.5 + 0.8 * random.NextDouble()) * scale;
        double std = 0.02 + 0.08 * random.NextDouble();
        double jitter = 0.05 + 0.15 * random.NextDouble();
        int noiseSeed = random.Next(), jitterSeed = random.Next();
        return AddNoise(ColourJitter(GaussianBlur(image, sigma), jitter, jitterSeed), std, noiseSeed);
    }

    private static double Normal(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
