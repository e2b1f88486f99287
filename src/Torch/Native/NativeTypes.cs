using System.Runtime.InteropServices;

namespace Torch.Native;

/// <summary>Kinds of values crossing the shim; mirrors <c>ts_kind</c> in native/torchshim.h.</summary>
internal enum NativeKind : int
{
    None = 0,
    Tensor = 1,
    Int = 2,
    Double = 3,
    Bool = 4,
    IntList = 5,
    TensorList = 6,
    DoubleList = 7,
    String = 8,
    Generator = 9,
    BoolList = 10,
    Default = 11,
}

[StructLayout(LayoutKind.Sequential)]
internal struct NativeArg
{
    public NativeKind Kind;
    public int Reserved;
    public long I;
    public double D;
    public IntPtr P;
    public long N;
}

[StructLayout(LayoutKind.Sequential)]
internal struct NativeResult
{
    public NativeKind Kind;
    public int Reserved;
    public long I;
    public double D;
    public IntPtr P;
}

[StructLayout(LayoutKind.Sequential)]
internal struct NativeTensorInfo
{
    public long Dim;
    public long NumEl;
    public int DType;
    public int DeviceType;
    public int DeviceIndex;
    public int RequiresGrad;
    public int IsContiguous;
    public int IsLeaf;
    public long ElementSize;
}
