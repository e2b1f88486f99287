using Align.Imaging;

namespace Server.Tests.Adapters;

/// <summary>Compares the pixels of two PNGs (the server's output), not their bytes: the text chunks name adapters and seeds.</summary>
public static class PngPixels
{
    /// <summary>The largest difference of any channel of any pixel.</summary>
    public static int MaxDifference(string pngA, string pngB)
    {
        (byte[] a, int wa, int ha) = PngDecoder.DecodeRgb(Convert.FromBase64String(pngA));
        (byte[] b, int wb, int hb) = PngDecoder.DecodeRgb(Convert.FromBase64String(pngB));
        Assert.Equal((wa, ha), (wb, hb));
        return a.Zip(b).Max(p => Math.Abs(p.First - p.Second));
    }
}
