using System.Runtime.InteropServices;
using Torch.Native;

namespace Torch;

#pragma warning disable CS8981 // lower-case on purpose: ported model code reads torch.Randn(...) as PyTorch reads torch.randn(...)
/// <summary>The <c>torch.*</c> namespace: tensor creation, joining, random numbers and runtime settings.</summary>
public static class torch
#pragma warning restore CS8981
{
    /// <summary>Opens a scope that frees every tensor created on this thread until it is disposed.</summary>
    public static DisposeScope NewDisposeScope() => new();

    public static string Version => Marshal.PtrToStringUTF8(Shim.ts_version()) ?? "unknown";

    public static int NumThreads
    {
        get => Shim.ts_get_num_threads();
        set => Shim.ts_set_num_threads(value);
    }

    public static int CudaDeviceCount => Shim.ts_cuda_device_count();
    public static bool CudaIsAvailable => CudaDeviceCount > 0;

    public static void CudaSynchronize(int device = -1) => Shim.Check(Shim.ts_cuda_synchronize(device), "cuda synchronize");

    /// <summary>Seeds the global generators, like <c>torch.manual_seed</c>.</summary>
    public static void ManualSeed(ulong seed) => Shim.ts_manual_seed(seed);

    /// <summary>Whether this libtorch has fused <c>scaled_dot_product_attention</c> (2.x).</summary>
    public static bool HasFusedAttention { get; } = Op.Exists("aten::scaled_dot_product_attention");

    // ------------------------------------------------------------ creation
    public static Tensor Empty(long[] shape, DType dtype = DType.Float32, Device? device = null)
    {
        Device d = device ?? Device.CPU;
        unsafe
        {
            fixed (long* s = shape)
            {
                Shim.Check(Shim.ts_tensor_empty(s, shape.Length, (int)dtype, (int)d.Type, d.Index, out IntPtr h), "empty");
                return new Tensor(h);
            }
        }
    }

    public static Tensor Zeros(long[] shape, DType dtype = DType.Float32, Device? device = null) =>
        Aten.Zeros.Call(shape, dtype, Arg.None, device);
    public static Tensor Ones(long[] shape, DType dtype = DType.Float32, Device? device = null) =>
        Aten.Ones.Call(shape, dtype, Arg.None, device);
    public static Tensor Full(long[] shape, double value, DType dtype = DType.Float32, Device? device = null) =>
        Aten.Full.Call(shape, value, dtype, Arg.None, device);
    /// <summary>A 0-d tensor holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32, Device? device = null) =>
        Aten.ScalarTensor.Call(value, dtype, Arg.None, device);
    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Float32, Device? device = null) =>
        Aten.Arange.Call(start, end, step, dtype, Arg.None, device);
    public static Tensor Arange(long end, DType dtype = DType.Int64, Device? device = null) =>
        Aten.Arange.Call(0L, end, 1L, dtype, Arg.None, device);
    public static Tensor Linspace(double start, double end, long steps, DType dtype = DType.Float32, Device? device = null) =>
        Aten.Linspace.Call(start, end, steps, dtype, Arg.None, device);

    /// <summary>Standard normal samples; with a generator seeded s on CPU, equal to PyTorch's <c>torch.randn</c> after <c>manual_seed(s)</c>.</summary>
    public static Tensor Randn(long[] shape, Generator? generator = null, DType dtype = DType.Float32, Device? device = null) =>
        Aten.RandnGen.Call(shape, generator, dtype, Arg.None, device);
    public static Tensor Rand(long[] shape, Generator? generator = null, DType dtype = DType.Float32, Device? device = null) =>
        Aten.RandGen.Call(shape, generator, dtype, Arg.None, device);
    public static Tensor Randint(long low, long high, long[] shape, Generator? generator = null, Device? device = null) =>
        Aten.RandintGen.Call(low, high, shape, generator, DType.Int64, Arg.None, device);
    public static Tensor Randperm(long n, Generator? generator = null, Device? device = null) =>
        Aten.RandpermGen.Call(n, generator, DType.Int64, Arg.None, device);
    public static Tensor Multinomial(Tensor probabilities, long samples, bool replacement = false, Generator? generator = null) =>
        Aten.Multinomial.Call(probabilities, samples, replacement, generator);

    public static Tensor ZerosLike(Tensor t, DType? dtype = null) => Aten.ZerosLike.Call(t, dtype);
    public static Tensor OnesLike(Tensor t, DType? dtype = null) => Aten.OnesLike.Call(t, dtype);
    public static Tensor FullLike(Tensor t, double value, DType? dtype = null) => Aten.FullLike.Call(t, value, dtype);
    public static Tensor EmptyLike(Tensor t, DType? dtype = null) => Aten.EmptyLike.Call(t, dtype);
    public static Tensor RandnLike(Tensor t, Generator? generator = null) =>
        Aten.RandnGen.Call(t.Shape, generator, t.DType, Arg.None, t.Device);

    /// <summary>A CPU tensor from values (shape defaults to 1-D).</summary>
    public static Tensor Tensor<T>(T[] data, params long[] shape) where T : unmanaged => Torch.Tensor.FromArray(data, shape);

    // ------------------------------------------------------------ joining and combining
    public static Tensor Cat(Tensor[] tensors, long dim = 0) => Aten.Cat.Call(tensors, dim);
    public static Tensor Stack(Tensor[] tensors, long dim = 0) => Aten.Stack.Call(tensors, dim);
    public static Tensor Where(Tensor condition, Tensor x, Tensor y) => Aten.Where.Call(condition, x, y);
    public static Tensor Where(Tensor condition, Tensor x, double y) => Aten.WhereScalarOther.Call(condition, x, y);
    public static Tensor Einsum(string equation, params Tensor[] operands) => Aten.Einsum.Call(equation, operands);
    public static Tensor Matmul(Tensor a, Tensor b) => Aten.Matmul.Call(a, b);
    public static Tensor Bmm(Tensor a, Tensor b) => Aten.Bmm.Call(a, b);
    /// <summary>
    /// <c>beta·input + alpha·(a @ b)</c>, batched; with <c>beta = 0</c> the input is ignored (NaN in it does not propagate),
    /// as in PyTorch. That case runs as <c>alpha·bmm(a, b)</c>: libtorch 1.13's small-matrix CPU path reads its
    /// uninitialised output buffer even when beta is 0, so NaN could appear at random.
    /// </summary>
    public static Tensor Baddbmm(Tensor input, Tensor a, Tensor b, double beta = 1, double alpha = 1)
    {
        if (beta != 0) return Aten.Baddbmm.Call(input, a, b, beta, alpha);
        using var scope = NewDisposeScope();
        return (Bmm(a, b) * alpha).MoveToOuterScope();
    }
}
