using Align.Imaging;

namespace Training.Reports;

/// <summary>A plain raster line chart (no text): light grid, one coloured polyline per series, y from the data's range. Saved as PNG.</summary>
public static class LineChart
{
    private static readonly (byte R, byte G, byte B)[] Colors = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (255, 127, 14), (148, 103, 189)];

    public static byte[] Render(IReadOnlyList<IReadOnlyList<double>> series, int width = 480, int height = 240)
    {
        var pixels = new byte[width * height * 3];
        Array.Fill(pixels, (byte)255);
        const int margin = 8;
        for (int g = 0; g <= 4; g++)
        {
            int y = margin + g * (height - 2 * margin) / 4;
            for (int x = margin; x < width - margin; x++) Set(pixels, width, x, y, (225, 225, 225));
        }
        var finite = series.SelectMany(s => s).Where(double.IsFinite).ToArray();
        if (finite.Length == 0) return PngEncoder.Encode(pixels, width, height, 3);
        double lo = finite.Min(), hi = finite.Max();
        if (hi - lo < 1e-12) hi = lo + 1;
        for (int s = 0; s < series.Count; s++)
        {
            IReadOnlyList<double> values = series[s];
            (int X, int Y)? previous = null;
            for (int i = 0; i < values.Count; i++)
            {
                if (!double.IsFinite(values[i]))
                {
                    previous = null;
                    continue;
                }
                int x = margin + (int)Math.Round((width - 2 * margin - 1) * (values.Count == 1 ? 0.5 : i / (double)(values.Count - 1)));
                int y = height - margin - 1 - (int)Math.Round((height - 2 * margin - 1) * (values[i] - lo) / (hi - lo));
                if (previous is { } p) Line(pixels, width, p.X, p.Y, x, y, Colors[s % Colors.Length]);
                else Set(pixels, width, x, y, Colors[s % Colors.Length]);
                previous = (x, y);
            }
        }
        return PngEncoder.Encode(pixels, width, height, 3);
    }

    // Bresenham.
    private static void Line(byte[] pixels, int width, int x0, int y0, int x1, int y1, (byte, byte, byte) color)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
        while (true)
        {
            Set(pixels, width, x0, y0, color);
            if (x0 == x1 && y0 == y1) break;
            int e2 = 2 * err;
            if (e2 >= dy) { err += dy; x0 += sx; }
            if (e2 <= dx) { err += dx; y0 += sy; }
        }
    }

    private static void Set(byte[] pixels, int width, int x, int y, (byte R, byte G, byte B) c)
    {
        int i = (y * width + x) * 3;
        if (i < 0 || i + 2 >= pixels.Length) return;
        (pixels[i], pixels[i + 1], pixels[i + 2]) = c;
    }
}
