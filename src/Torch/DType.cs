namespace Torch;

/// <summary>Element types; the values are libtorch's <c>c10::ScalarType</c>.</summary>
public enum DType
{
    UInt8 = 0,
    Int8 = 1,
    Int16 = 2,
    Int32 = 3,
    Int64 = 4,
    Float16 = 5,
    Float32 = 6,
    Float64 = 7,
    Bool = 11,
    BFloat16 = 15,
}

public static class DTypeExtensions
{
    public static int ElementSize(this DType t) => t switch
    {
        DType.UInt8 or DType.Int8 or DType.Bool => 1,
        DType.Int16 or DType.Float16 or DType.BFloat16 => 2,
        DType.Int32 or DType.Float32 => 4,
        DType.Int64 or DType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "unknown dtype"),
    };

    public static bool IsFloatingPoint(this DType t) =>
        t is DType.Float16 or DType.Float32 or DType.Float64 or DType.BFloat16;
}
