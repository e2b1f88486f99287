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
        Segmentation segmentation = Segment(image);
        var detections = new List<Detection>();
        foreach (ImageSegment segment in segmentation.Segments)
            if (Measure(image, segmentation, segment) is { } d) detections.Add(d);
        return detections;
    }

    /// <summary>
    /// The image's background and its objects' pixels: pixels at least half covered by their colour form 4-connected
    /// components per colour, components smaller than <see cref="MinAreaFraction"/> are dropped, and each keeps the ring of
    /// <see cref="Ring"/> pixels around it (not in another component) that its blurred edges spill into.
    /// </summary>
    public static Segmentation Segment(RgbImage image)
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
        var cores = new List<(int Colour, int Id, List<int> Pixels)>();
        var stack = new Stack<int>();
        int minPixels = Math.Max(3, (int)(MinAreaFraction * n));
        int next = 0;
        for (int seed = 0; seed < n; seed++)
        {
            if (alpha[seed] < 0.5f || component[seed] >= 0) continue;
            int colour = label[seed];
            var pixels = new List<int>();
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
            if (pixels.Count >= minPixels) cores.Add((colour, next, pixels));
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

        var segments = new List<ImageSegment>(cores.Count);
        foreach (var (colour, id, core) in cores)
        {
            var ring = new List<int>();
            var seen = new HashSet<int>(core);
            foreach (int i in core)
            {
                int x = i % w, y = i / w;
                for (int dy = -Ring; dy <= Ring; dy++)
                    for (int dx = -Ring; dx <= Ring; dx++)
                    {
                        int xx = x + dx, yy = y + dy;
                        if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
                        int j = yy * w + xx;
                        if (alpha[j] >= 0.5f && component[j] != id) continue;
                        if (seen.Add(j)) ring.Add(j);
                    }
            }
            segments.Add(new ImageSegment(colour, core.ToArray(), ring.ToArray()));
        }
        return new Segmentation(w, h, bg, palette, alpha, segments);
    }

    // Mass: the component's coverage plus the partial coverage of its colour in the ring around it (blurred edges).
    private static Detection? Measure(RgbImage image, Segmentation segmentation, ImageSegment segment)
    {
        int w = segmentation.Width, h = segmentation.Height, n = w * h;
        float[] px = image.Data, bg = segmentation.Background;
        var c = segmentation.Palette[segment.Colour];
        int x0 = w, y0 = h, x1 = -1, y1 = -1;
        foreach (int i in segment.Core)
        {
            int x = i % w, y = i / w;
            x0 = Math.Min(x0, x); x1 = Math.Max(x1, x);
            y0 = Math.Min(y0, y); y1 = Math.Max(y1, y);
        }
        var mass = new List<(int Pixel, float Mass)>(segment.Core.Length + segment.Ring.Length);
        foreach (int i in segment.Core) mass.Add((i, segmentation.Alpha[i]));
        foreach (int j in segment.Ring) mass.Add((j, Coverage(px[3 * j] - bg[0], px[3 * j + 1] - bg[1], px[3 * j + 2] - bg[2], c)));
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
        return new Detection(shape, Vocabulary.Colours[segment.Colour], (double)x0 / w, (double)y0 / h, (x1 + 1.0) / w, (y1 + 1.0) / h,
            cx / w, cy / h, m / n);
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

/// <summary>What <see cref="ShapeDetector.Segment"/> found: the background (RGB in [0, 1]), the palette's colours as offsets
/// from it (in <see cref="Vocabulary.Colours"/> order), each pixel's coverage by its nearest palette colour, and the objects.</summary>
public sealed record Segmentation(int Width, int Height, float[] Background, (float R, float G, float B)[] Palette, float[] Alpha,
    IReadOnlyList<ImageSegment> Segments);

/// <summary>One object's pixels (indices y·W + x): the connected core of its colour (<see cref="Vocabulary.Colours"/> index)
/// and the ring around it where its edges blur into the background.</summary>
public sealed record ImageSegment(int Colour, int[] Core, int[] Ring);
