using Align.Imaging;
using Torch;

namespace Training.Reports;

/// <summary>Tiles [3, H, W] images in [0, 1] into one PNG, each with an optional coloured frame (e.g. green pass / red fail).</summary>
public static class ImageGrid
{
    public static readonly (byte, byte, byte) Pass = (40, 200, 60), Fail = (220, 40, 40), Neutral = (128, 128, 128);

    public static byte[] Render(IReadOnlyList<Tensor> images, int columns, IReadOnlyList<(byte R, byte G, byte B)>? frames = null, int border = 2)
    {
        if (images.Count == 0) throw new ArgumentException("no images to tile", nameof(images));
        var tiles = images.Select(ImageConversion.ToBytes).ToArray();
        int w = tiles[0].Width, h = tiles[0].Height, rows = (images.Count + columns - 1) / columns;
        int cellW = w + 2 * border, cellH = h + 2 * border, width = columns * cellW, height = rows * cellH;
        var pixels = new byte[width * height * 3];
        Array.Fill(pixels, (byte)255);
        for (int n = 0; n < tiles.Length; n++)
        {
            (byte[] tile, int tw, int th, int channels) = tiles[n];
            if (tw != w || th != h || channels != 3) throw new ArgumentException("all images must be RGB of the same size", nameof(images));
            int ox = n % columns * cellW, oy = n / columns * cellH;
            (byte, byte, byte) frame = frames?[n] ?? Neutral;
            for (int y = 0; y < cellH; y++)
                for (int x = 0; x < cellW; x++)
                {
                    int o = ((oy + y) * width + ox + x) * 3;
                    bool inside = x >= border && x < border + w && y >= border && y < border + h;
                    if (inside)
                        Buffer.BlockCopy(tile, ((y - border) * w + x - border) * 3, pixels, o, 3);
                    else
                        (pixels[o], pixels[o + 1], pixels[o + 2]) = frame;
                }
        }
        return PngEncoder.Encode(pixels, width, height, 3);
    }
}
