using System.Buffers.Binary;
using System.Collections.ObjectModel;
using Microsoft.Win32.SafeHandles;

namespace Torch;

/// <summary>
/// An open safetensors file: the header is read and validated on opening, tensors are read on demand
/// straight from the file into the new tensor's memory (one copy, no managed buffer). Loads may run
/// concurrently from several threads. See https://github.com/huggingface/safetensors for the format.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    /// <summary>The reference implementation's limit on the JSON header (100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    // Conversions go through a staging tensor of this many bytes instead of a full-size temporary.
    private const long ConversionChunkBytes = 16 << 20;

    private readonly SafeFileHandle _file;
    private readonly Dictionary<string, SafetensorsEntry> _byName;

    public SafetensorsFile(string path)
    {
        Path = path;
        _file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        try
        {
            long fileLength = RandomAccess.GetLength(_file);
            if (fileLength < 8)
                throw new SafetensorsException(path, $"file is {fileLength} bytes, too short for the 8-byte header length");
            Span<byte> prefix = stackalloc byte[8];
            ReadExactly(prefix, 0);
            ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (n > MaxHeaderBytes)
                throw new SafetensorsException(path, $"header length {n} exceeds the {MaxHeaderBytes}-byte limit: not a safetensors file, or corrupt");
            if (8 + (long)n > fileLength)
                throw new SafetensorsException(path, $"header length {n} reaches past the end of the {fileLength}-byte file: the file is truncated");

            var header = new byte[n];
            ReadExactly(header, 8);
            DataStart = 8 + (long)n;
            (Dictionary<string, string> metadata, List<SafetensorsEntry> entries) =
                SafetensorsHeader.Parse(header, path, fileLength - DataStart);
            Metadata = new ReadOnlyDictionary<string, string>(metadata);
            Entries = entries.AsReadOnly();
            Names = entries.Select(e => e.Name).ToList().AsReadOnly();
            _byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        }
        catch
        {
            _file.Dispose();
            throw;
        }
    }

    public string Path { get; }

    /// <summary>The <c>__metadata__</c> map (empty if the file has none), in file order.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Tensor names, in the order of their data in the file.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Header entries, in the order of their data in the file.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>Byte offset of the data buffer in the file (8 + header length).</summary>
    public long DataStart { get; }

    public bool Contains(string name) => _byName.ContainsKey(name);

    public SafetensorsEntry this[string name] =>
        _byName.TryGetValue(name, out SafetensorsEntry? e) ? e : throw new SafetensorsException(Path, $"no tensor named '{name}'");

    /// <summary>
    /// Reads one tensor into a new CPU tensor (registered in the current <see cref="DisposeScope"/>, like any new tensor),
    /// converted to <paramref name="convertTo"/> if given.
    /// </summary>
    public Tensor Load(string name, DType? convertTo = null)
    {
        SafetensorsEntry e = this[name];
        ObjectDisposedException.ThrowIf(_file.IsClosed, this);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors data is little-endian; this machine is not");

        DType target = convertTo ?? e.DType;
        Tensor result = torch.Empty(e.ShapeArray(), target);
        try
        {
            if (target == e.DType) Fill(result, e.DataBegin, e);
            else LoadConverted(result, e);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads every tensor, by name. <paramref name="convertFloatsTo"/> converts the floating-point tensors
    /// only (as when loading weights in another precision); integer and bool tensors keep their dtype.
    /// </summary>
    public Dictionary<string, Tensor> LoadAll(DType? convertFloatsTo = null)
    {
        var all = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (SafetensorsEntry e in Entries)
                all[e.Name] = Load(e.Name, e.DType.IsFloatingPoint() ? convertFloatsTo : null);
            return all;
        }
        catch
        {
            foreach (Tensor t in all.Values) t.Dispose();
            throw;
        }
    }

    public void Dispose() => _file.Dispose();

    private void LoadConverted(Tensor result, SafetensorsEntry e)
    {
        long elementSize = e.DType.ElementSize();
        long chunk = Math.Max(1, ConversionChunkBytes / elementSize);
        using Tensor flat = result.Reshape(-1);
        using Tensor staging = torch.Empty([Math.Min(chunk, e.NumEl)], e.DType);
        using var noGrad = Autograd.NoGrad();
        for (long start = 0; start < e.NumEl; start += chunk)
        {
            long count = Math.Min(chunk, e.NumEl - start);
            using Tensor source = staging.Narrow(0, 0, count);
            Fill(source, e.DataBegin + start * elementSize, e);
            using Tensor destination = flat.Narrow(0, start, count);
            destination.Copy_(source);
        }
    }

    private void Fill(Tensor t, long dataOffset, SafetensorsEntry e)
    {
        if (!TensorMemory.ReadFrom(_file, DataStart + dataOffset, t))
            throw new SafetensorsException(Path, $"file ended while reading tensor '{e.Name}': it was truncated after being opened");
    }

    private void ReadExactly(Span<byte> buffer, long offset)
    {
        while (buffer.Length > 0)
        {
            int n = RandomAccess.Read(_file, buffer, offset);
            if (n == 0) throw new SafetensorsException(Path, $"file ended at byte {offset} while reading the header");
            buffer = buffer[n..];
            offset += n;
        }
    }
}
