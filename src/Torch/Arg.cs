using Torch.Native;

namespace Torch;

/// <summary>
/// One argument of an aten operator call. Converts implicitly from the C# values the schemas take
/// (tensors, ints, floats, bools, lists, strings, dtypes, devices, generators); the shim converts it
/// to the type the operator's schema declares.
/// </summary>
public readonly struct Arg
{
    internal readonly NativeKind Kind;
    internal readonly long I;
    internal readonly double D;
    internal readonly object? Obj;

    private Arg(NativeKind kind, long i = 0, double d = 0, object? obj = null)
    {
        Kind = kind;
        I = i;
        D = d;
        Obj = obj;
    }

    /// <summary>Python's None.</summary>
    public static readonly Arg None = new(NativeKind.None);

    /// <summary>The schema's default value for this position.</summary>
    public static readonly Arg Default = new(NativeKind.Default);

    public static implicit operator Arg(Tensor? t) => t is null ? None : new(NativeKind.Tensor, obj: t);
    public static implicit operator Arg(long v) => new(NativeKind.Int, i: v);
    public static implicit operator Arg(int v) => new(NativeKind.Int, i: v);
    public static implicit operator Arg(double v) => new(NativeKind.Double, d: v);
    public static implicit operator Arg(float v) => new(NativeKind.Double, d: v);
    public static implicit operator Arg(bool v) => new(NativeKind.Bool, i: v ? 1 : 0);
    public static implicit operator Arg(DType v) => new(NativeKind.Int, i: (long)v);
    public static implicit operator Arg(DType? v) => v is null ? None : new(NativeKind.Int, i: (long)v.Value);
    public static implicit operator Arg(Device v) => new(NativeKind.String, obj: v.ToString());
    public static implicit operator Arg(Device? v) => v is null ? None : new(NativeKind.String, obj: v.Value.ToString());
    public static implicit operator Arg(string? v) => v is null ? None : new(NativeKind.String, obj: v);
    public static implicit operator Arg(long[]? v) => v is null ? None : new(NativeKind.IntList, obj: v);
    public static implicit operator Arg(double[]? v) => v is null ? None : new(NativeKind.DoubleList, obj: v);
    public static implicit operator Arg(bool[]? v) => v is null ? None : new(NativeKind.BoolList, obj: v);
    public static implicit operator Arg(Tensor?[]? v) => v is null ? None : new(NativeKind.TensorList, obj: v);
    public static implicit operator Arg(Generator? g) => g is null ? None : new(NativeKind.Generator, obj: g);

    public static Arg From(long? v) => v is null ? None : v.Value;
    public static Arg From(double? v) => v is null ? None : v.Value;
}
