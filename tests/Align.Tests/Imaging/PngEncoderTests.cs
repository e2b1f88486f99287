using System.Diagnostics;
using Align.Imaging;
using Torch;

namespace Align.Tests.Imaging;

/// <summary>Our PNGs are decoded by an independent decoder (Pillow) to exactly the pixels we wrote.</summary>
public class PngEncoderTests
{
    [Theory]
    [InlineData(37, 23, 3, 1)]
    [InlineData(64, 64, 3, 2)]
    [InlineData(16, 9, 1, 3)]
    [InlineData(5, 7, 4, 4)]
    [InlineData(1, 1, 3, 5)]
    public void PillowDecodesTheSamePixels(int width, int height, int channels, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[width * height * channels];
        // Half noise, half smooth gradient, so every filter type gets chosen somewhere.
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = i % (width * channels) < width * channels / 2 ? (byte)random.Next(256) : (byte)(i / channels % 251);
        byte[] png = PngEncoder.Encode(pixels, width, height, channels, new Dictionary<string, string> { ["seed"] = seed.ToString() });

        (string mode, int w, int h, byte[] decoded, string seedText) = DecodeWithPillow(png);
        Assert.Equal(channels switch { 1 => "L", 3 => "RGB", _ => "RGBA" }, mode);
        Assert.Equal((width, height), (w, h));
        Assert.Equal(pixels, decoded);
        Assert.Equal(seed.ToString(), seedText);
    }

    [Fact]
    public void ImageTensorRoundsLikeDiffusers()
    {
        using var scope = torch.NewDisposeScope();
        Tensor image = Tensor.FromArray(new float[] { -0.5f, 0f, 0.3f / 255f, 1.49f / 255f, 1.51f / 255f, 0.5f, 1f, 2f, 0.2f, 0.4f, 0.6f, 0.8f }, 3, 2, 2);
        (byte[] pixels, int w, int h, int c) = ImageConversion.ToBytes(image);
        Assert.Equal((2, 2, 3), (w, h, c));
        // Channel-interleaved: pixel (0,0) = (ch0[0], ch1[0], ch2[0]); 127.5 rounds half to even, as numpy does.
        Assert.Equal(new byte[] { 0, 2, 51, 0, 128, 102, 0, 255, 153, 1, 255, 204 }, pixels);
        (_, _, _, byte[] decoded, _) = DecodeWithPillow(ImageConversion.ToPng(image));
        Assert.Equal(pixels, decoded);
    }

    [Fact]
    public void RejectsWrongSizes()
    {
        var e = Assert.Throws<ArgumentException>(() => PngEncoder.Encode(new byte[10], 2, 2, 3));
        Assert.Contains("2x2x3", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => PngEncoder.Encode(new byte[8], 2, 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => PngEncoder.Encode([], 0, 2, 3));
    }

    private static (string Mode, int Width, int Height, byte[] Pixels, string SeedText) DecodeWithPillow(byte[] png)
    {
        string path = Path.Combine(Path.GetTempPath(), $"png-test-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(path, png);
        try
        {
            const string script = "import sys\nfrom PIL import Image\nim = Image.open(sys.argv[1]); im.load()\n" +
                                  "sys.stderr.write(f'{im.mode} {im.size[0]} {im.size[1]} {im.info.get(\"seed\", \"\")}')\n" +
                                  "sys.stdout.buffer.write(im.tobytes())\n";
            var psi = new ProcessStartInfo("/usr/bin/python3", ["-c", script, path])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using Process p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start /usr/bin/python3");
            using var pixels = new MemoryStream();
            p.StandardOutput.BaseStream.CopyTo(pixels);
            string info = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"Pillow (Debian python3-pil, installed by scripts/test.sh) failed to decode: {info}");
            string[] parts = info.Split(' ');
            return (parts[0], int.Parse(parts[1]), int.Parse(parts[2]), pixels.ToArray(), parts.Length > 3 ? parts[3] : "");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
