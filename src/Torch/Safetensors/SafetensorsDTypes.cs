namespace Torch;

/// <summary>The safetensors dtype names and how they map onto <see cref="DType"/>.</summary>
public static class SafetensorsDTypes
{
    private static readonly Dictionary<string, DType> ByName = new(StringComparer.Ordinal)
    {
        ["BOOL"] = DType.Bool,
        ["U8"] = DType.UInt8,
        ["I8"] = DType.Int8,
        ["I16"] = DType.Int16,
        ["F16"] = DType.Float16,
        ["BF16"] = DType.BFloat16,
        ["I32"] = DType.Int32,
        ["F32"] = DType.Float32,
        ["F64"] = DType.Float64,
        ["I64"] = DType.Int64,
    };

    // Valid in the format but with no libtorch 1.13 counterpart: named separately for a clearer error.
    private static readonly HashSet<string> KnownUnsupported = new(StringComparer.Ordinal)
    {
        "U16", "U32", "U64", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64",
    };

    public static bool TryParse(string name, out DType dtype) => ByName.TryGetValue(name, out dtype);

    internal static bool IsKnownButUnsupported(string name) => KnownUnsupported.Contains(name);

    public static string Name(DType dtype) => dtype switch
    {
        DType.Bool => "BOOL",
        DType.UInt8 => "U8",
        DType.Int8 => "I8",
        DType.Int16 => "I16",
        DType.Float16 => "F16",
        DType.BFloat16 => "BF16",
        DType.Int32 => "I32",
        DType.Float32 => "F32",
        DType.Float64 => "F64",
        DType.Int64 => "I64",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "no safetensors name for this dtype"),
    };

    /// <summary>
    /// The position of the dtype in the reference implementation's <c>Dtype</c> enum, which orders by
    /// alignment; its writer lays tensors out by this rank descending, then by name.
    /// </summary>
    internal static int WriteRank(DType dtype) => dtype switch
    {
        DType.Bool => 0,
        DType.UInt8 => 1,
        DType.Int8 => 2,
        DType.Int16 => 5,
        DType.Float16 => 7,
        DType.BFloat16 => 8,
        DType.Int32 => 9,
        DType.Float32 => 11,
        DType.Float64 => 12,
        DType.Int64 => 13,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "no safetensors name for this dtype"),
    };
}
