using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Align.Imaging;

/// <summary>
/// Writes 8-bit greyscale, RGB or RGBA PNGs (PNG spec, ISO/IEC 15948) with the framework's zlib, one
/// IDAT chunk, filter type chosen per row (the usual minimum-sum-of-absolute-differences heuristic).
/// </summary>
public static class PngEncoder
{
    /// <summary>Encodes interleaved 8-bit pixels (row-major, <paramref name="channels"/> per pixel: 1, 3 or 4).</summary>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, int channels,
        IReadOnlyDictionary<string, string>? text = null, CompressionLevel level = CompressionLevel.Fastest)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}x{height} must be positive");
        byte colorType = channels switch
        {
            1 => 0,
            3 => 2,
            4 => 6,
            _ => throw new ArgumentOutOfRangeException(nameof(channels), $"{channels} channels: PNG takes 1, 3 or 4"),
        };
        int stride = width * channels;
        if (pixels.Length != (long)stride * height)
            throw new ArgumentException($"{pixels.Length} bytes for a {width}x{height}x{channels} image (need {stride * height})", nameof(pixels));

        using var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8; // bit depth
        header[9] = colorType;
        header[10] = header[11] = header[12] = 0; // deflate, adaptive filtering, no interlace
        WriteChunk(output, "IHDR", header);

        if (text is not null)
            foreach ((string key, string value) in text)
                WriteChunk(output, "tEXt", Encoding.Latin1.GetBytes($"{key}\0{value}"));

        using (var idat = new MemoryStream())
        {
            using (var z = new ZLibStream(idat, level, leaveOpen: true))
            {
                var filtered = new byte[stride + 1];
                var previous = new byte[stride];
                var candidate = new byte[stride + 1];
                for (int y = 0; y < height; y++)
                {
                    ReadOnlySpan<byte> row = pixels.Slice(y * stride, stride);
                    FilterRow(row, previous, channels, filtered, candidate);
                    z.Write(filtered);
                    row.CopyTo(previous);
                }
            }
            WriteChunk(output, "IDAT", idat.GetBuffer().AsSpan(0, (int)idat.Length));
        }
        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    // Tries the five filter types and keeps the one with the smallest sum of |signed residuals|.
    private static void FilterRow(ReadOnlySpan<byte> row, ReadOnlySpan<byte> up, int bpp, Span<byte> best, byte[] buffer)
    {
        long bestScore = long.MaxValue;
        for (byte type = 0; type <= 4; type++)
        {
            buffer[0] = type;
            long score = 0;
            for (int i = 0; i < row.Length; i++)
            {
                int a = i >= bpp ? row[i - bpp] : 0, b = up[i], c = i >= bpp ? up[i - bpp] : 0;
                int predicted = type switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) >> 1,
                    _ => Paeth(a, b, c),
                };
                byte residual = (byte)(row[i] - predicted);
                buffer[i + 1] = residual;
                score += Math.Abs((int)(sbyte)residual);
            }
            if (score < bestScore)
            {
                bestScore = score;
                buffer.CopyTo(best);
            }
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static void WriteChunk(Stream s, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        s.Write(word);
        Span<byte> typeBytes = stackalloc byte[4];
        Encoding.ASCII.GetBytes(type, typeBytes);
        s.Write(typeBytes);
        s.Write(data);
        uint crc = Crc32.Update(Crc32.Update(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        s.Write(word);
    }

    /// <summary>The CRC-32 of PNG chunks (ISO 3309, polynomial 0xEDB88320).</summary>
    private static class Crc32
    {
        private static readonly uint[] Table = Enumerable.Range(0, 256).Select(n =>
        {
            uint c = (uint)n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            return c;
        }).ToArray();

        public static uint Update(uint crc, ReadOnlySpan<byte> data)
        {
            foreach (byte b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            return crc;
        }
    }
}
