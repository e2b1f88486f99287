using System.Buffers.Binary;
using System.Text;

namespace Torch.Tests.Support;

/// <summary>Reads Fixtures/ops.bin, the tensors written by Fixtures/gen_ops.py (format described there).</summary>
public sealed class FixtureFile
{
    private readonly Dictionary<string, (DType DType, long[] Shape, byte[] Data)> _entries = new(StringComparer.Ordinal);

    private static readonly Lazy<FixtureFile> _ops = new(() => Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "ops.bin")));

    public static FixtureFile Ops => _ops.Value;

    public IEnumerable<string> Names => _entries.Keys;

    public bool Contains(string name) => _entries.ContainsKey(name);

    public static FixtureFile Load(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var f = new FixtureFile();
        if (Encoding.ASCII.GetString(bytes, 0, 8) != "TSFX0001") throw new InvalidDataException($"{path}: not a TSFX0001 file");
        int pos = 8;
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos));
        pos += 4;
        for (uint k = 0; k < count; k++)
        {
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(pos));
            pos += 2;
            string name = Encoding.UTF8.GetString(bytes, pos, nameLength);
            pos += nameLength;
            var dtype = (DType)bytes[pos];
            int ndim = bytes[pos + 1];
            pos += 2;
            var shape = new long[ndim];
            long numel = 1;
            for (int d = 0; d < ndim; d++)
            {
                shape[d] = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(pos));
                numel *= shape[d];
                pos += 8;
            }
            int size = checked((int)(numel * dtype.ElementSize()));
            f._entries.Add(name, (dtype, shape, bytes.AsSpan(pos, size).ToArray()));
            pos += size;
        }
        if (pos != bytes.Length) throw new InvalidDataException($"{path}: {bytes.Length - pos} trailing bytes");
        return f;
    }

    /// <summary>A new CPU tensor holding the stored values.</summary>
    public Tensor Get(string name)
    {
        if (!_entries.TryGetValue(name, out var e)) throw new KeyNotFoundException($"fixture has no tensor '{name}'");
        Tensor t = torch.Empty(e.Shape, e.DType);
        e.Data.CopyTo(t.BytesSpan());
        return t;
    }

    /// <summary>Tensors name/{prefix}0, name/{prefix}1, ... in order.</summary>
    public Tensor[] GetSeries(string name, char prefix)
    {
        var list = new List<Tensor>();
        for (int k = 0; Contains($"{name}/{prefix}{k}"); k++) list.Add(Get($"{name}/{prefix}{k}"));
        return list.ToArray();
    }
}
