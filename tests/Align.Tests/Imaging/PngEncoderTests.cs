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

        (string mode, int w, int h, byte[] decoded, string seedText) = Pillow.Decode(png);
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
        (_, _, _, byte[] decoded, _) = Pillow.Decode(ImageConversion.ToPng(image));
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
}
