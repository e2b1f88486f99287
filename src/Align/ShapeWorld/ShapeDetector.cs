using Torch;

namespace Align.ShapeWorld;

/// <summary>
/// Finds ShapeWorld objects in an image. Each pixel is explained as a blend of the background with one palette colour
/// (the colour whose background→colour segment passes closest to it; the blend weight is its coverage), so anti-aliased
/// and blurred edges keep their object's colour. Pixels at least half covered form 4-connected components per colour;
/// components smaller than <see cref="MinAreaFraction"/> are noise. Shapes are told apart by cumulants of the coverage
/// (component plus a two-pixel ring), which a Gaussian blur leaves unchanged: a triangle's mass is skewed along its axis
/// (third cumulant), and the fourth cross cumulant κ₂₂ is 0 for a square (x, y independent) and negative for a disc.
/// </summary>
public static class ShapeDetector
{
    /// <summary>Smallest object, as a fraction of the image area (the smallest true object covers about 1.8 %).</summary>
    public const double MinAreaFraction = 0.005;

    /// <summary>Thresholds halfway between the ideal shapes: |κ₃|/m^1.5 is 0.017 for the triangle and 0 otherwise; κ₂₂/m² is
    /// 0 for the square and −1/(48π²) ≈ −0.0021 for the disc.</summary>
    public const double TriangleSkew = 0.0085, SquareCumulant = -0.00106;

    // Pixels this far around a component count towards its mass (blurred edges spill that far).
    private const int Ring = 2;

    public static IReadOnlyList<Detection> Detect(Tensor image) => Detect(RgbImage.FromTensor(image));

    public static IReadOnlyList<Detection> Detect(ReadOnlySpan<byte> rgb, int width, int height) => Detect(RgbImage.FromBytes(rgb, width, height));

    public static IReadOnlyList<Detection> Detect(RgbImage image)
    {
        int w = image.Width, h = image.Height, n = w * h;
        float[] px = image.Data;
        var bg = EstimateBackground(px, n);
        var palette = Vocabulary.Colours.Select(c => Palette.Unit(c)).Select(c => (c.R - bg[0], c.G - bg[1], c.B - bg[2])).ToArray();

        var label = new int[n];
        var alpha = new float[n];
        for (int i = 0; i < n; i++)
        {
            float r = px[3 * i] - bg[0], g = px[3 * i + 1] - bg[1], b = px[3 * i + 2] - bg[2];
            float best = float.MaxValue;
            for (int k = 0; k < palette.Length; k++)
            {
                float a = Coverage(r, g, b, palette[k]);
                float er = r - a * palette[k].Item1, eg = g - a * palette[k].Item2, eb = b - a * palette[k].Item3;
                float residual = er * er + eg * eg + eb * eb;
                if (residual < best)
                {
                    best = residual;
                    label[i] = k;
                    alpha[i] = a;
                }
            }
        }

        var component = new int[n];
        Array.Fill(component, -1);
        var detections = new List<Detection>();
        var stack = new Stack<int>();
        var pixels = new List<int>();
        int minPixels = Math.Max(3, (int)(MinAreaFraction * n));
        int next = 0;
        for (int seed = 0; seed < n; seed++)
        {
            if (alpha[seed] < 0.5f || component[seed] >= 0) continue;
            int colour = label[seed];
            pixels.Clear();
            stack.Push(seed);
            component[seed] = next;
            while (stack.Count > 0)
            {
                int i = stack.Pop();
                pixels.Add(i);
                int x = i % w, y = i / w;
                if (x > 0) Visit(i - 1);
                if (x < w - 1) Visit(i + 1);
                if (y > 0) Visit(i - w);
                if (y < h - 1) Visit(i + w);
            }
            if (pixels.Count >= minPixels && Measure(pixels, next, colour) is { } d) detections.Add(d);
            next++;

            void Visit(int j)
            {
                if (component[j] < 0 && alpha[j] >= 0.5f && label[j] == colour)
                {
                    component[j] = next;
                    stack.Push(j);
                }
            }
        }
        return detections;

        Detection? Measure(List<int> members, int id, int colour)
        {
            // Mass: the component's coverage plus the partial coverage of the ring around it (blurred edges).
            var mass = new Dictionary<int, float>(members.Count * 2);
            var c = palette[colour];
            int x0 = w, y0 = h, x1 = -1, y1 = -1;
            foreach (int i in members)
            {
                mass[i] = alpha[i];
                int x = i % w, y = i / w;
                x0 = Math.Min(x0, x); x1 = Math.Max(x1, x);
                y0 = Math.Min(y0, y); y1 = Math.Max(y1, y);
            }
            foreach (int i in members)
            {
                int x = i % w, y = i / w;
                for (int dy = -Ring; dy <= Ring; dy++)
                    for (int dx = -Ring; dx <= Ring; dx++)
                    {
                        int xx = x + dx, yy = y + dy;
                        if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
                        int j = yy * w + xx;
                        if (mass.ContainsKey(j) || (alpha[j] >= 0.5f && component[j] != id)) continue;
                        mass[j] = Coverage(px[3 * j] - bg[0], px[3 * j + 1] - bg[1], px[3 * j + 2] - bg[2], c);
                    }
            }
            double m = 0, sx = 0, sy = 0;
            foreach (var (i, a) in mass)
            {
                m += a;
                sx += a * (i % w + 0.5);
                sy += a * (i / w + 0.5);
            }
            if (m <= 0) return null;
            double cx = sx / m, cy = sy / m;
            double m20 = 0, m02 = 0, m11 = 0, m30 = 0, m03 = 0, m22 = 0;
            foreach (var (i, a) in mass)
            {
                double dx = i % w + 0.5 - cx, dy = i / w + 0.5 - cy;
                m20 += a * dx * dx;
                m02 += a * dy * dy;
                m11 += a * dx * dy;
                m30 += a * dx * dx * dx;
                m03 += a * dy * dy * dy;
                m22 += a * dx * dx * dy * dy;
            }
            m20 /= m; m02 /= m; m11 /= m; m30 /= m; m03 /= m; m22 /= m;
            // Cumulants of order 3 and 4 are unchanged by a Gaussian blur, and the mass is too: normalised by the mass they
            // measure the shape before blurring.
            double skew = Math.Max(Math.Abs(m30), Math.Abs(m03)) / Math.Pow(m, 1.5);
            double cross = (m22 - m20 * m02 - 2 * m11 * m11) / (m * m);
            Shape shape = skew > TriangleSkew ? Shape.Triangle : cross > SquareCumulant ? Shape.Square : Shape.Circle;
            return new Detection(shape, Vocabulary.Colours[colour], (double)x0 / w, (double)y0 / h, (x1 + 1.0) / w, (y1 + 1.0) / h,
                cx / w, cy / h, m / n);
        }
    }

    private static float Coverage(float r, float g, float b, (float, float, float) d)
    {
        float dd = d.Item1 * d.Item1 + d.Item2 * d.Item2 + d.Item3 * d.Item3;
        return Math.Clamp((r * d.Item1 + g * d.Item2 + b * d.Item3) / dd, 0f, 1f);
    }

    // Objects cover well under half the canvas, so the per-channel median is the background.
    private static float[] EstimateBackground(float[] px, int n)
    {
        var channel = new float[n];
        var bg = new float[3];
        for (int c = 0; c < 3; c++)
        {
            for (int i = 0; i < n; i++) channel[i] = px[3 * i + c];
            Array.Sort(channel);
            bg[c] = channel[n / 2];
        }
        return bg;
    }
}
