using Torch;

namespace Align.Imaging;

/// <summary>Converts image tensors to 8-bit pixels the way diffusers' <c>numpy_to_pil</c> does: round(x·255) of x clamped to [0, 1].</summary>
public static class ImageConversion
{
    /// <summary>A [C, H, W] float image in [0, 1] → interleaved row-major bytes (C = 1, 3 or 4).</summary>
    public static (byte[] Pixels, int Width, int Height, int Channels) ToBytes(Tensor image)
    {
        if (image.Dim != 3) throw new ArgumentException($"expected a [C, H, W] image, got shape [{string.Join(", ", image.Shape)}]", nameof(image));
        using var scope = torch.NewDisposeScope();
        using var noGrad = Autograd.NoGrad();
        long[] shape = image.Shape;
        Tensor hwc = (image.Detach().To(DType.Float32).Clamp(0, 1) * 255.0).Round().To(DType.UInt8).Permute(1, 2, 0).Contiguous();
        return (hwc.ToArray<byte>(), (int)shape[2], (int)shape[1], (int)shape[0]);
    }

    /// <summary>A [C, H, W] float image in [0, 1] → PNG bytes.</summary>
    public static byte[] ToPng(Tensor image, IReadOnlyDictionary<string, string>? text = null)
    {
        (byte[] pixels, int w, int h, int c) = ToBytes(image);
        return PngEncoder.Encode(pixels, w, h, c, text);
    }
}
