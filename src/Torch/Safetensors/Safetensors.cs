using System.Buffers.Binary;
using System.Text;

namespace Torch;

/// <summary>Reading and writing the safetensors format (https://github.com/huggingface/safetensors).</summary>
public static class Safetensors
{
    /// <summary>Opens a file for inspection and on-demand loading; dispose it when done.</summary>
    public static SafetensorsFile Open(string path) => new(path);

    /// <summary>Loads every tensor of a file, the floating-point ones converted to <paramref name="convertFloatsTo"/> if given.</summary>
    public static Dictionary<string, Tensor> Load(string path, DType? convertFloatsTo = null)
    {
        using var file = new SafetensorsFile(path);
        return file.LoadAll(convertFloatsTo);
    }

    /// <summary>
    /// Writes the tensors (made contiguous and moved to the CPU one at a time as they are written)
    /// and optional metadata. Tensors are laid out as the reference writer does: by dtype alignment,
    /// largest first, then by name. The file appears under <paramref name="path"/> only once complete.
    /// </summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors data is little-endian; this machine is not");
        if (metadata is not null)
            foreach ((string key, string value) in metadata)
                if (key is null || value is null) throw new ArgumentException("metadata keys and values must not be null", nameof(metadata));

        var layout = Layout(tensors);
        byte[] header = HeaderWriter.Write(metadata, layout);
        if (header.Length > SafetensorsFile.MaxHeaderBytes)
            throw new ArgumentException($"the header would be {header.Length} bytes, over the {SafetensorsFile.MaxHeaderBytes}-byte limit readers enforce");

        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            using var noGrad = Autograd.NoGrad();
            foreach (HeaderWriter.Item item in layout) WriteData(stream, tensors[item.Name]);
        });
    }

    private static List<HeaderWriter.Item> Layout(IReadOnlyDictionary<string, Tensor> tensors)
    {
        var named = new List<(string Name, byte[] Utf8, Tensor Tensor, DType DType)>(tensors.Count);
        foreach ((string name, Tensor t) in tensors)
        {
            if (name is null) throw new ArgumentException("tensor names must not be null", nameof(tensors));
            if (name == SafetensorsHeader.MetadataKey)
                throw new ArgumentException($"'{SafetensorsHeader.MetadataKey}' is reserved and cannot name a tensor", nameof(tensors));
            ArgumentNullException.ThrowIfNull(t, $"tensors[\"{name}\"]");
            DType dtype = t.DType;
            SafetensorsDTypes.Name(dtype); // throws for dtypes the format lacks
            named.Add((name, Encoding.UTF8.GetBytes(name), t, dtype));
        }

        // Names compare by UTF-8 bytes, as Rust orders strings.
        named.Sort((a, b) =>
        {
            int byRank = SafetensorsDTypes.WriteRank(b.DType).CompareTo(SafetensorsDTypes.WriteRank(a.DType));
            return byRank != 0 ? byRank : a.Utf8.AsSpan().SequenceCompareTo(b.Utf8);
        });

        var layout = new List<HeaderWriter.Item>(named.Count);
        long offset = 0;
        foreach ((string name, _, Tensor t, DType dtype) in named)
        {
            long nbytes = checked(t.NumEl * dtype.ElementSize());
            layout.Add(new HeaderWriter.Item(name, dtype, t.Shape, offset, offset + nbytes));
            offset += nbytes;
        }
        return layout;
    }

    private static void WriteData(Stream stream, Tensor t)
    {
        Tensor cpu = t.Device.Type == DeviceType.CPU ? t : t.To(Device.CPU);
        Tensor packed = cpu.IsContiguous ? cpu : cpu.Contiguous();
        try
        {
            TensorMemory.WriteTo(stream, packed);
        }
        finally
        {
            if (packed != t) packed.Dispose();
            if (cpu != t) cpu.Dispose();
        }
    }
}
