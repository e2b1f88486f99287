using Align.Imaging;

namespace Align.Tests.Imaging;

/// <summary>
/// The JPEG decoder against Pillow (libjpeg-turbo) on the same bytes: JPEGs written by Pillow (4:4:4, 4:2:2, 4:2:0, grey,
/// sizes that are not whole MCUs, APPn segments) and by a small test writer for what Pillow cannot write (restart intervals,
/// one scan per component), each decoded by both and compared; the kinds it does not read are refused by name.
/// </summary>
/// <remarks>
/// Tolerance: libjpeg's default decoding uses an integer ("islow") inverse DCT where ours is in floating point, so a sample
/// may differ by one level before colour conversion, which can carry a difference of 2 or 3 into R, G or B. Chroma is
/// upsampled with libjpeg's own (default, "fancy") triangle filter in its integer form, so nothing larger is expected:
/// mean absolute difference below 0.25 per channel (measured: 0.01–0.07) and no sample more than 4 apart (measured: 3).
/// Repeating chroma samples instead is tens of levels off at saturated edges (libjpeg's own non-fancy mode: 87 on such a scene).
/// </remarks>
public class JpegDecoderTests
{
    private const double MeanTolerance = 0.25;
    private const int MaxTolerance = 4;

    // Gradients, hard-edged saturated shapes (the hardest case for chroma subsampling) and a little noise.
    internal static byte[] Scene(int width, int height, int seed)
    {
        var random = new Random(seed);
        var rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = 3 * (y * width + x);
                double r = 255.0 * x / width, g = 255.0 * y / height, b = 128 + 100 * Math.Sin(x * 0.3 + y * 0.2);
                if ((x - width / 3) * (x - width / 3) + (y - height / 2) * (y - height / 2) < width * height / 16) (r, g, b) = (230, 20, 30);
                if (x > width * 2 / 3 && y > height / 4 && y < height * 3 / 4) (r, g, b) = (20, 40, 220);
                rgb[i] = (byte)Math.Clamp(r + random.Next(-8, 9), 0, 255);
                rgb[i + 1] = (byte)Math.Clamp(g + random.Next(-8, 9), 0, 255);
                rgb[i + 2] = (byte)Math.Clamp(b + random.Next(-8, 9), 0, 255);
            }
        return rgb;
    }

    private static byte[] Grey(byte[] rgb) => [.. Enumerable.Range(0, rgb.Length / 3).Select(i => (byte)((rgb[3 * i] * 3 + rgb[3 * i + 1] * 5 + rgb[3 * i + 2] * 2) / 10))];

    // Ours against Pillow's decoding of the same bytes (grey: Pillow gives one channel, ours three equal ones).
    private static void AssertMatchesPillow(byte[] jpeg, int width, int height, string what)
    {
        (byte[] ours, int w, int h) = JpegDecoder.DecodeRgb(jpeg);
        Assert.Equal((width, height), (w, h));
        (string mode, int pw, int ph, byte[] theirs, _) = Pillow.Decode(jpeg);
        Assert.Equal((width, height), (pw, ph));
        int channels = mode switch { "L" => 1, "RGB" => 3, _ => throw new InvalidOperationException($"Pillow decoded {what} as {mode}") };
        for (int c = 0; c < 3; c++)
        {
            long sum = 0;
            int max = 0;
            for (int p = 0; p < width * height; p++)
            {
                int difference = Math.Abs(ours[3 * p + c] - theirs[p * channels + (channels == 1 ? 0 : c)]);
                sum += difference;
                max = Math.Max(max, difference);
            }
            double mean = (double)sum / (width * height);
            Assert.True(mean < MeanTolerance && max <= MaxTolerance,
                $"{what}, channel {"RGB"[c]}: mean absolute difference from Pillow {mean:F3} (< {MeanTolerance}), largest {max} (≤ {MaxTolerance})");
        }
        if (channels == 1)
            for (int p = 0; p < width * height; p++) Assert.True(ours[3 * p] == ours[3 * p + 1] && ours[3 * p] == ours[3 * p + 2], "grey pixels with R, G, B apart");
    }

    [Theory]
    [InlineData(0, 64, 48, 90)] // 4:4:4
    [InlineData(1, 64, 48, 90)] // 4:2:2
    [InlineData(2, 64, 48, 90)] // 4:2:0
    [InlineData(0, 37, 23, 75)] // sizes that are not whole MCUs
    [InlineData(1, 37, 23, 75)]
    [InlineData(2, 37, 23, 75)]
    [InlineData(2, 3, 2, 95)] // smaller than one MCU; chroma 2 samples wide (repeated, not filtered)
    [InlineData(2, 130, 97, 50)]
    public void DecodesPillowsColourJpegsAsPillowDoes(int subsampling, int width, int height, int quality)
    {
        byte[] jpeg = PillowJpeg.Encode(Scene(width, height, subsampling + width), width, height, "RGB", $"quality={quality}, subsampling={subsampling}");
        Assert.Equal(subsampling switch { 0 => 0x11, 1 => 0x21, _ => 0x22 }, LumaSampling(jpeg));
        AssertMatchesPillow(jpeg, width, height, $"Pillow {width}×{height} subsampling={subsampling} quality={quality}");
    }

    [Theory]
    [InlineData(64, 64)]
    [InlineData(37, 23)]
    public void DecodesPillowsGreyJpegsAsPillowDoes(int width, int height)
    {
        byte[] jpeg = PillowJpeg.Encode(Grey(Scene(width, height, 3)), width, height, "L", "quality=85");
        AssertMatchesPillow(jpeg, width, height, $"Pillow grey {width}×{height}");
    }

    [Fact]
    public void SkipsApplicationSegments()
    {
        // an ICC profile (APP2) and EXIF (APP1) besides JFIF's APP0: their contents are skipped
        byte[] jpeg = PillowJpeg.Encode(Scene(40, 30, 9), 40, 30, "RGB",
            "quality=90, icc_profile=b'\\x00' * 3000, exif=exif_with('a test image')");
        Assert.Contains(jpeg.Select((b, i) => (b, i)), p => p.b == 0xFF && p.i + 1 < jpeg.Length && jpeg[p.i + 1] == 0xE2);
        AssertMatchesPillow(jpeg, 40, 30, "Pillow with ICC and EXIF segments");
    }

    [Theory]
    [InlineData(false, 1, 1, 3, true)] // 4:4:4, a restart every 3 MCUs
    [InlineData(false, 2, 2, 2, true)] // 4:2:0
    [InlineData(false, 2, 1, 5, true)] // 4:2:2
    [InlineData(true, 1, 1, 4, true)] // grey
    [InlineData(false, 2, 2, 0, false)] // one scan per component, no restarts
    [InlineData(false, 2, 2, 7, false)] // one scan per component, restarts counted in each component's blocks
    public void DecodesRestartIntervalsAndSeparateScansAsPillowDoes(bool grey, int lumaH, int lumaV, int restartInterval, bool interleaved)
    {
        const int width = 45, height = 29;
        byte[] rgb = Scene(width, height, 17);
        byte[] jpeg = BaselineJpegWriter.Write(grey ? Grey(rgb) : rgb, width, height, grey, lumaH, lumaV, restartInterval, interleaved);
        int restarts = Enumerable.Range(0, jpeg.Length - 1).Count(i => jpeg[i] == 0xFF && jpeg[i + 1] is >= 0xD0 and <= 0xD7);
        Assert.Equal(restartInterval > 0, restarts > 0);
        AssertMatchesPillow(jpeg, width, height, $"test writer grey={grey} {lumaH}×{lumaV} restart={restartInterval} interleaved={interleaved}");
    }

    [Fact]
    public void RefusesProgressiveAndCmyk()
    {
        byte[] progressive = PillowJpeg.Encode(Scene(32, 32, 1), 32, 32, "RGB", "quality=90, progressive=True");
        Assert.Equal("progressive JPEG (SOF2) is not supported", Assert.Throws<InvalidDataException>(() => JpegDecoder.DecodeRgb(progressive)).Message);

        byte[] cmyk = PillowJpeg.Encode([.. Enumerable.Range(0, 16 * 16 * 4).Select(i => (byte)(i * 7))], 16, 16, "CMYK", "quality=90");
        Assert.Contains("CMYK", Assert.Throws<InvalidDataException>(() => JpegDecoder.DecodeRgb(cmyk)).Message);
    }

    [Theory]
    [InlineData(0xC3, null, "lossless JPEG (SOF3) is not supported")]
    [InlineData(0xC9, null, "arithmetic-coded JPEG (SOF9) is not supported")]
    [InlineData(0xC0, 12, "12-bit JPEG (8-bit only) is not supported")]
    public void RefusesOtherProcessesByName(byte marker, int? precision, string message)
    {
        // Pillow's baseline JPEG with its frame header relabelled: the header is all the decoder needs to refuse it
        byte[] jpeg = PillowJpeg.Encode(Scene(16, 16, 2), 16, 16, "RGB", "quality=90");
        int sof = FindMarker(jpeg, 0xC0);
        jpeg[sof + 1] = marker;
        if (precision is int p) jpeg[sof + 4] = (byte)p;
        Assert.Equal(message, Assert.Throws<InvalidDataException>(() => JpegDecoder.DecodeRgb(jpeg)).Message);
    }

    [Fact]
    public void RefusesTruncatedAndDamagedFiles()
    {
        byte[] jpeg = PillowJpeg.Encode(Scene(64, 64, 4), 64, 64, "RGB", "quality=90");
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => JpegDecoder.DecodeRgb(jpeg.AsSpan(0, jpeg.Length / 2))).Message);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => JpegDecoder.DecodeRgb(jpeg.AsSpan(0, 200))).Message);
        Assert.Throws<InvalidDataException>(() => JpegDecoder.DecodeRgb("GIF89a..."u8));

        // a scan naming Huffman table 4 or 5 (baseline has slots 0–3): refused, where masking the id would decode with table 0 or 1
        foreach ((byte tables, string named) in new[] { ((byte)0x04, "DC 0, AC 4"), ((byte)0x50, "DC 5, AC 0") })
        {
            byte[] damaged = (byte[])jpeg.Clone();
            damaged[FindMarker(damaged, 0xDA) + 6] = tables; // FF DA, length (2), count, then the first component's id and table byte
            Assert.Equal($"damaged JPEG: component 1 uses Huffman tables {named} (ids 0–3 only)",
                Assert.Throws<InvalidDataException>(() => JpegDecoder.DecodeRgb(damaged)).Message);
        }
    }

    [Fact]
    public void ImageDecoderTellsPngFromJpegAndNamesOtherFormats()
    {
        byte[] rgb = Scene(20, 10, 6);
        (byte[] fromPng, int w, int h) = ImageDecoder.DecodeRgb(PngEncoder.Encode(rgb, 20, 10, 3));
        Assert.Equal((20, 10), (w, h));
        Assert.Equal(rgb, fromPng);
        byte[] jpeg = PillowJpeg.Encode(rgb, 20, 10, "RGB", "quality=90");
        Assert.Equal(JpegDecoder.DecodeRgb(jpeg).Rgb, ImageDecoder.DecodeRgb(jpeg).Rgb);
        var gif = Assert.Throws<InvalidDataException>(() => ImageDecoder.DecodeRgb("GIF89a\x01\x00"u8));
        Assert.Equal("not a PNG or JPEG image (first bytes 47 49 46 38 39 61 01 00)", gif.Message);
        Assert.Contains("no bytes", Assert.Throws<InvalidDataException>(() => ImageDecoder.DecodeRgb([])).Message);
    }

    private static int FindMarker(byte[] jpeg, byte marker)
    {
        for (int i = 2; i + 1 < jpeg.Length; i++)
            if (jpeg[i] == 0xFF && jpeg[i + 1] == marker) return i;
        throw new InvalidOperationException($"no FF {marker:X2} marker in the JPEG");
    }

    // The first component's sampling byte in the frame header (0x11 4:4:4, 0x21 4:2:2, 0x22 4:2:0).
    private static int LumaSampling(byte[] jpeg) => jpeg[FindMarker(jpeg, 0xC0) + 11];
}
