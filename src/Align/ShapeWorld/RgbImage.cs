using Align.Imaging;
using Torch;

namespace Align.ShapeWorld;

/// <summary>An RGB image as interleaved row-major floats in [0, 1] (what the renderer, the degradations and the verifier share).</summary>
public sealed class RgbImage
{
    public int Width { get; }
    public int Height { get; }

    /// <summary>Interleaved R, G, B per pixel, row-major; length 3·W·H.</summary>
    public float[] Data { get; }

    public RgbImage(int width, int height, float[] data)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}x{height} must be positive");
        if (data.Length != 3L * width * height) throw new ArgumentException($"{data.Length} values for a {width}x{height} RGB image (need {3L * width * height})", nameof(data));
        Width = width;
        Height = height;
        Data = data;
    }

    public RgbImage Clone() => new(Width, Height, (float[])Data.Clone());

    /// <summary>Interleaved 8-bit RGB, rounded as <see cref="ImageConversion.ToBytes"/> does (half to even).</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[Data.Length];
        for (int i = 0; i < Data.Length; i++)
            bytes[i] = (byte)MathF.Round(Math.Clamp(Data[i], 0f, 1f) * 255f, MidpointRounding.ToEven);
        return bytes;
    }

    public static RgbImage FromBytes(ReadOnlySpan<byte> rgb, int width, int height)
    {
        if (rgb.Length != 3L * width * height) throw new ArgumentException($"{rgb.Length} bytes for a {width}x{height} RGB image (need {3L * width * height})", nameof(rgb));
        var data = new float[rgb.Length];
        for (int i = 0; i < data.Length; i++) data[i] = rgb[i] / 255f;
        return new RgbImage(width, height, data);
    }

    /// <summary>A [3, H, W] float32 CPU tensor (the diffusion pipeline's image format).</summary>
    public Tensor ToTensor()
    {
        int plane = Width * Height;
        var chw = new float[Data.Length];
        for (int p = 0; p < plane; p++)
            for (int c = 0; c < 3; c++)
                chw[c * plane + p] = Data[p * 3 + c];
        return Tensor.FromArray(chw, 3, Height, Width);
    }

    /// <summary>From a [3, H, W] tensor (any float dtype or device); values are clamped to [0, 1].</summary>
    public static RgbImage FromTensor(Tensor image)
    {
        long[] shape = image.Shape;
        if (shape.Length != 3 || shape[0] != 3) throw new ArgumentException($"expected a [3, H, W] image, got shape [{string.Join(", ", shape)}]", nameof(image));
        float[] chw;
        using (var scope = torch.NewDisposeScope())
        using (Autograd.NoGrad())
            chw = image.Detach().To(Device.CPU).To(DType.Float32).Contiguous().ToArray<float>();
        int h = (int)shape[1], w = (int)shape[2], plane = w * h;
        var data = new float[chw.Length];
        for (int p = 0; p < plane; p++)
            for (int c = 0; c < 3; c++)
                data[p * 3 + c] = Math.Clamp(chw[c * plane + p], 0f, 1f);
        return new RgbImage(w, h, data);
    }

    public byte[] ToPng(IReadOnlyDictionary<string, string>? text = null) => PngEncoder.Encode(ToBytes(), Width, Height, 3, text);

    /// <summary>Decodes a PNG (any colour type <see cref="PngDecoder"/> reads) to RGB.</summary>
    public static RgbImage FromPng(ReadOnlySpan<byte> png)
    {
        (byte[] rgb, int w, int h) = PngDecoder.DecodeRgb(png);
        return FromBytes(rgb, w, h);
    }
}
