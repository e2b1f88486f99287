using System.Collections.ObjectModel;

namespace Torch;

/// <summary>One tensor's header entry: dtype, shape and where its bytes lie in the data buffer.</summary>
public sealed class SafetensorsEntry
{
    internal SafetensorsEntry(string name, DType dtype, long[] shape, long numEl, long dataBegin, long dataEnd)
    {
        Name = name;
        DType = dtype;
        _shape = shape;
        Shape = Array.AsReadOnly(shape);
        NumEl = numEl;
        DataBegin = dataBegin;
        DataEnd = dataEnd;
    }

    private readonly long[] _shape;

    public string Name { get; }
    public DType DType { get; }
    public ReadOnlyCollection<long> Shape { get; }
    public long NumEl { get; }

    /// <summary>Start of the tensor's bytes, relative to the start of the data buffer.</summary>
    public long DataBegin { get; }

    /// <summary>One past the end of the tensor's bytes, relative to the start of the data buffer.</summary>
    public long DataEnd { get; }

    public long ByteLength => DataEnd - DataBegin;

    internal long[] ShapeArray() => (long[])_shape.Clone();

    public override string ToString() => $"{Name}: {SafetensorsDTypes.Name(DType)} [{string.Join(", ", _shape)}]";
}
