using Microsoft.Win32.SafeHandles;
using Torch.Native;

namespace Torch;

/// <summary>
/// Moves bytes between files and a contiguous CPU tensor's own memory, in pieces below 2 GiB
/// (a Span's limit), so tensors of any size are read and written without an intermediate copy.
/// </summary>
internal static unsafe class TensorMemory
{
    private const int Piece = 1 << 30;

    public static byte* Pointer(Tensor t, out long length)
    {
        if (t.Device.Type != DeviceType.CPU || !t.IsContiguous)
            throw new InvalidOperationException("raw memory access needs a contiguous CPU tensor");
        length = t.NumEl * t.ElementSize;
        return (byte*)Shim.ts_tensor_data_ptr(t.Handle);
    }

    /// <summary>Fills the tensor with <c>length</c> bytes read from <paramref name="fileOffset"/>; false if the file ends first.</summary>
    public static bool ReadFrom(SafeFileHandle file, long fileOffset, Tensor t)
    {
        byte* p = Pointer(t, out long remaining);
        try
        {
            while (remaining > 0)
            {
                int n = RandomAccess.Read(file, new Span<byte>(p, (int)Math.Min(remaining, Piece)), fileOffset);
                if (n == 0) return false;
                p += n;
                fileOffset += n;
                remaining -= n;
            }
            return true;
        }
        finally
        {
            GC.KeepAlive(t);
        }
    }

    public static void WriteTo(Stream stream, Tensor t)
    {
        byte* p = Pointer(t, out long remaining);
        try
        {
            while (remaining > 0)
            {
                int n = (int)Math.Min(remaining, Piece);
                stream.Write(new ReadOnlySpan<byte>(p, n));
                p += n;
                remaining -= n;
            }
        }
        finally
        {
            GC.KeepAlive(t);
        }
    }
}
