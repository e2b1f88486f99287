using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Torch.Native;

namespace Torch;

/// <summary>
/// A libtorch tensor. Owns one native reference, released by <see cref="Dispose"/>, by the
/// <see cref="DisposeScope"/> that was open when it was created, or (last resort) by the finalizer.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private IntPtr _handle;
    internal DisposeScope? Scope;
    private static long s_live, s_finalized;

    internal Tensor(IntPtr handle)
    {
        _handle = handle;
        Interlocked.Increment(ref s_live);
        DisposeScope.Register(this);
    }

    /// <summary>Tensors of this process whose native reference is not yet released (a steady server keeps this flat).</summary>
    public static long LiveCount => Interlocked.Read(ref s_live);

    /// <summary>Native references released by the finalizer: tensors some code forgot to dispose (should stay 0).</summary>
    public static long FinalizedCount => Interlocked.Read(ref s_finalized);

    internal IntPtr Handle
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _handle != IntPtr.Zero ? _handle : throw new ObjectDisposedException(nameof(Tensor), "the tensor was disposed (by its DisposeScope?)");
    }

    public bool IsDisposed => _handle == IntPtr.Zero;

    public void Dispose()
    {
        IntPtr h = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (h != IntPtr.Zero)
        {
            Shim.ts_tensor_free(h);
            Interlocked.Decrement(ref s_live);
        }
        GC.SuppressFinalize(this);
    }

    ~Tensor()
    {
        IntPtr h = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (h != IntPtr.Zero)
        {
            Shim.ts_tensor_free(h);
            Interlocked.Decrement(ref s_live);
            Interlocked.Increment(ref s_finalized);
        }
    }

    /// <summary>Moves this tensor from its scope to the enclosing one, so it outlives the current scope.</summary>
    public Tensor MoveToOuterScope()
    {
        Scope?.MoveToOuter(this);
        return this;
    }

    /// <summary>Takes this tensor out of every scope: the caller now owns it.</summary>
    public Tensor DetachFromDisposeScope()
    {
        Scope = null;
        return this;
    }

    /// <summary>Swaps the native tensor behind this object for another one (used by Module.To).</summary>
    internal void ReplaceHandle(Tensor other)
    {
        IntPtr fresh = Shim.ts_tensor_alias(other.Handle);
        GC.KeepAlive(other);
        IntPtr old = Interlocked.Exchange(ref _handle, fresh);
        if (old != IntPtr.Zero) Shim.ts_tensor_free(old);
    }

    private unsafe NativeTensorInfo Info
    {
        get
        {
            NativeTensorInfo info;
            Shim.Check(Shim.ts_tensor_info(Handle, &info));
            GC.KeepAlive(this);
            return info;
        }
    }

    public long Dim => Info.Dim;
    public long NumEl => Info.NumEl;
    public DType DType => (DType)Info.DType;
    public Device Device
    {
        get
        {
            NativeTensorInfo i = Info;
            return new Device((DeviceType)i.DeviceType, i.DeviceIndex);
        }
    }
    public bool IsContiguous => Info.IsContiguous != 0;
    public bool IsLeaf => Info.IsLeaf != 0;
    public long ElementSize => Info.ElementSize;

    public unsafe long[] Shape
    {
        get
        {
            long* buffer = stackalloc long[16];
            int n = Shim.ts_tensor_sizes(Handle, buffer, 16);
            if (n > 16)
            {
                var big = new long[n];
                fixed (long* p = big) Shim.ts_tensor_sizes(Handle, p, n);
                GC.KeepAlive(this);
                return big;
            }
            GC.KeepAlive(this);
            return new Span<long>(buffer, n).ToArray();
        }
    }

    public unsafe long[] Strides
    {
        get
        {
            long* buffer = stackalloc long[64];
            int n = Shim.ts_tensor_strides(Handle, buffer, 64);
            GC.KeepAlive(this);
            return new Span<long>(buffer, Math.Min(n, 64)).ToArray();
        }
    }

    /// <summary>Size of one dimension (negative counts from the end).</summary>
    public long Size(long dim)
    {
        long[] s = Shape;
        long d = dim < 0 ? dim + s.Length : dim;
        if (d < 0 || d >= s.Length) throw new ArgumentOutOfRangeException(nameof(dim), $"dim {dim} out of range for a {s.Length}-d tensor");
        return s[d];
    }

    public override string ToString() =>
        IsDisposed ? "Tensor(disposed)" : $"Tensor(shape=[{string.Join(", ", Shape)}], dtype={DType}, device={Device})";

    // ---------------------------------------------------------------- data in and out

    /// <summary>Copies <paramref name="data"/> into a new CPU tensor of the given shape.</summary>
    public static unsafe Tensor FromArray<T>(ReadOnlySpan<T> data, params long[] shape) where T : unmanaged
    {
        DType dtype = DTypeOf<T>();
        fixed (T* p = data)
        fixed (long* s = shape)
        {
            Shim.Check(Shim.ts_tensor_from_data(p, (long)data.Length * sizeof(T), s, shape.Length, (int)dtype, out IntPtr h),
                $"tensor from {data.Length} {typeof(T).Name} values, shape [{string.Join(", ", shape)}]");
            return new Tensor(h);
        }
    }

    public static Tensor FromArray<T>(T[] data, params long[] shape) where T : unmanaged =>
        FromArray((ReadOnlySpan<T>)data, shape.Length == 0 ? [data.Length] : shape);

    /// <summary>Copies the elements (row-major) to a managed array; T must match the dtype.</summary>
    public unsafe T[] ToArray<T>() where T : unmanaged
    {
        DType want = DTypeOf<T>();
        if (DType != want) throw new InvalidOperationException($"tensor is {DType}, not {want}: convert with To({want}) first");
        var result = new T[NumEl];
        fixed (T* p = result)
            Shim.Check(Shim.ts_tensor_copy_to(Handle, p, (long)result.Length * sizeof(T)), "copying tensor data");
        GC.KeepAlive(this);
        return result;
    }

    /// <summary>Copies the raw bytes (row-major, native dtype) into <paramref name="destination"/>.</summary>
    public unsafe void CopyBytesTo(Span<byte> destination)
    {
        fixed (byte* p = destination)
            Shim.Check(Shim.ts_tensor_copy_to(Handle, p, destination.Length), "copying tensor data");
        GC.KeepAlive(this);
    }

    /// <summary>Direct view of a contiguous CPU tensor's memory; valid while the tensor lives.</summary>
    public unsafe Span<byte> BytesSpan()
    {
        NativeTensorInfo i = Info;
        if (i.DeviceType != (int)DeviceType.CPU || i.IsContiguous == 0)
            throw new InvalidOperationException("BytesSpan needs a contiguous CPU tensor");
        long n = i.NumEl * i.ElementSize;
        if (n > int.MaxValue) throw new InvalidOperationException("tensor larger than 2 GiB: copy it in parts");
        return new Span<byte>((void*)Shim.ts_tensor_data_ptr(Handle), (int)n);
    }

    public static DType DTypeOf<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? DType.Float32
        : typeof(T) == typeof(double) ? DType.Float64
        : typeof(T) == typeof(long) ? DType.Int64
        : typeof(T) == typeof(int) ? DType.Int32
        : typeof(T) == typeof(short) ? DType.Int16
        : typeof(T) == typeof(byte) ? DType.UInt8
        : typeof(T) == typeof(sbyte) ? DType.Int8
        : typeof(T) == typeof(bool) ? DType.Bool
        : typeof(T) == typeof(Half) ? DType.Float16
        : throw new NotSupportedException($"no dtype for {typeof(T).Name}");

    // ---------------------------------------------------------------- autograd

    public bool RequiresGrad
    {
        get => Info.RequiresGrad != 0;
        set
        {
            Shim.Check(Shim.ts_tensor_set_requires_grad(Handle, value ? 1 : 0), "setting requires_grad");
            GC.KeepAlive(this);
        }
    }

    /// <summary>Sets requires_grad and returns this tensor, like <c>requires_grad_()</c>.</summary>
    public Tensor RequiresGrad_(bool value = true)
    {
        RequiresGrad = value;
        return this;
    }

    /// <summary>The accumulated gradient, or null. Each read returns a new handle to the same storage.</summary>
    public Tensor? Grad
    {
        get
        {
            Shim.Check(Shim.ts_tensor_grad(Handle, out IntPtr g));
            GC.KeepAlive(this);
            return g == IntPtr.Zero ? null : new Tensor(g);
        }
        set
        {
            Shim.Check(Shim.ts_tensor_set_grad(Handle, value?.Handle ?? IntPtr.Zero), "setting grad");
            GC.KeepAlive(this);
            GC.KeepAlive(value);
        }
    }

    public void RetainGrad()
    {
        Shim.Check(Shim.ts_tensor_retain_grad(Handle));
        GC.KeepAlive(this);
    }

    /// <summary>Name of the autograd node that made this tensor ("" for leaves).</summary>
    public unsafe string GradFnName
    {
        get
        {
            byte* buffer = stackalloc byte[256];
            Shim.Check(Shim.ts_tensor_grad_fn_name(Handle, buffer, 256));
            GC.KeepAlive(this);
            return Marshal.PtrToStringUTF8((IntPtr)buffer) ?? "";
        }
    }

    /// <summary>Back-propagates from this tensor (a scalar unless <paramref name="gradient"/> is given).</summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false, bool createGraph = false) =>
        Autograd.Backward([this], gradient is null ? null : [gradient], retainGraph, createGraph);
}
