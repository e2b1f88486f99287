namespace Align.ShapeWorld;

/// <summary>Draws scenes with anti-aliasing: each pixel averages a regular grid of subsamples.</summary>
public static class SceneRenderer
{
    public const int DefaultSize = 64;

    /// <param name="supersampling">subsamples per pixel side (4 → 16 samples per pixel)</param>
    public static RgbImage Render(Scene scene, int size = DefaultSize, int supersampling = 4)
    {
        if (size < 8) throw new ArgumentOutOfRangeException(nameof(size), $"size {size}: the canvas must be at least 8 pixels");
        if (supersampling < 1) throw new ArgumentOutOfRangeException(nameof(supersampling));
        var data = new float[3 * size * size];
        var bg = Palette.BackgroundUnit;
        var colours = scene.Objects.Select(o => Palette.Unit(o.Colour)).ToArray();
        int n = supersampling;
        float weight = 1f / (n * n);
        // Pixel ranges each object's box touches: most pixels meet no object and skip the subsampling.
        var ranges = scene.Objects.Select(o =>
        {
            var (hx, hy) = o.HalfSize;
            return (X0: (int)Math.Floor((o.X - hx) * size), X1: (int)Math.Floor((o.X + hx) * size),
                    Y0: (int)Math.Floor((o.Y - hy) * size), Y1: (int)Math.Floor((o.Y + hy) * size));
        }).ToArray();
        var hits = new int[scene.Objects.Count];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                int i = 3 * (y * size + x);
                int near = -1;
                for (int k = 0; k < ranges.Length && near < 0; k++)
                    if (x >= ranges[k].X0 && x <= ranges[k].X1 && y >= ranges[k].Y0 && y <= ranges[k].Y1) near = k;
                if (near < 0)
                {
                    (data[i], data[i + 1], data[i + 2]) = bg;
                    continue;
                }
                Array.Clear(hits);
                int background = 0;
                for (int sy = 0; sy < n; sy++)
                    for (int sx = 0; sx < n; sx++)
                    {
                        double px = (x + (sx + 0.5) / n) / size, py = (y + (sy + 0.5) / n) / size;
                        int hit = -1;
                        for (int k = near; k < scene.Objects.Count && hit < 0; k++)
                            if (scene.Objects[k].Contains(px, py)) hit = k;
                        if (hit >= 0) hits[hit]++;
                        else background++;
                    }
                float r = background * bg.R, g = background * bg.G, b = background * bg.B;
                for (int k = 0; k < hits.Length; k++)
                {
                    r += hits[k] * colours[k].R;
                    g += hits[k] * colours[k].G;
                    b += hits[k] * colours[k].B;
                }
                data[i] = r * weight;
                data[i + 1] = g * weight;
                data[i + 2] = b * weight;
            }
        return new RgbImage(size, size, data);
    }
}
