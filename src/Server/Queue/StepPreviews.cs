using Align.Imaging;
using Server.Models;
using Torch;

namespace Server.Queue;

/// <summary>
/// Preview images of a run in progress (a request's "previews"): at evenly spaced denoising steps, the current latents of
/// the request's images decoded by the VAE and encoded as PNGs, carried by that step's progress event.
/// </summary>
public static class StepPreviews
{
    /// <summary>Whether <paramref name="step"/> of <paramref name="total"/> is one of the <paramref name="previews"/> preview steps (never the last: that is the result).</summary>
    public static bool Due(int previews, int step, int total) =>
        previews > 0 && step < total && Enumerable.Range(1, previews).Any(k => Math.Max(1, (int)Math.Round((double)total * k / (previews + 1))) == step);

    /// <summary>PNGs of rows <paramref name="offset"/>…<paramref name="offset"/>+<paramref name="count"/>-1 of the batch's latents.</summary>
    public static IReadOnlyList<byte[]> Encode(ServedModel model, Tensor latents, int offset, int count)
    {
        using var scope = torch.NewDisposeScope();
        (Tensor images, _) = model.Pipeline.Decode(latents.Narrow(0, offset, count));
        Tensor cpu = images.To(Device.CPU, DType.Float32);
        return Enumerable.Range(0, count).Select(k =>
        {
            (byte[] pixels, int w, int h, int c) = ImageConversion.ToBytes(cpu[k]);
            return PngEncoder.Encode(pixels, w, h, c);
        }).ToArray();
    }
}
