using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Torch.Native;

namespace Torch;

/// <summary>
/// An aten operator looked up by schema name (e.g. <c>new Op("aten::add", "Tensor")</c>) and called
/// through libtorch's dispatcher, so autograd and device dispatch apply as in PyTorch. Arguments are
/// positional in schema order (keyword-only ones included); trailing ones may be left out and
/// <see cref="Arg.Default"/> takes the schema default in the middle. Keep instances in static fields:
/// the lookup happens once.
/// </summary>
public sealed unsafe class Op
{
    private IntPtr _handle;

    public Op(string name, string overload = "")
    {
        Name = name;
        Overload = overload;
    }

    public string Name { get; }
    public string Overload { get; }
    public override string ToString() => Overload.Length == 0 ? Name : $"{Name}.{Overload}";

    /// <summary>Whether this libtorch has the operator (probe for ops newer than 1.13).</summary>
    public static bool Exists(string name, string overload = "") => Shim.ts_op_exists(name, overload) == 1;

    /// <summary>The operator's schema as libtorch prints it.</summary>
    public string Schema
    {
        get
        {
            byte* buffer = stackalloc byte[2048];
            Shim.Check(Shim.ts_op_schema(Handle, buffer, 2048));
            return System.Runtime.InteropServices.Marshal.PtrToStringUTF8((IntPtr)buffer) ?? "";
        }
    }

    internal IntPtr Handle
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _handle != IntPtr.Zero ? _handle : Find();
    }

    private IntPtr Find()
    {
        Shim.Check(Shim.ts_op_find(Name, Overload, out IntPtr h));
        _handle = h;
        return h;
    }

    public Tensor Call(params ReadOnlySpan<Arg> args)
    {
        NativeResult* r = stackalloc NativeResult[4];
        int n = Invoke(args, r, 4, out NativeResult[]? rest);
        if (n != 1 || r[0].Kind != NativeKind.Tensor)
        {
            Release(r, Math.Min(n, 4), rest);
            throw new TorchException($"{this}: expected one tensor result, got {n}");
        }
        return new Tensor(r[0].P);
    }

    /// <summary>Calls an in-place or out= operator that returns <paramref name="self"/>.</summary>
    public Tensor CallInPlace(Tensor self, params ReadOnlySpan<Arg> args)
    {
        NativeResult* r = stackalloc NativeResult[4];
        int n = Invoke(args, r, 4, out NativeResult[]? rest);
        Release(r, Math.Min(n, 4), rest);
        return self;
    }

    public void CallVoid(params ReadOnlySpan<Arg> args)
    {
        NativeResult* r = stackalloc NativeResult[4];
        int n = Invoke(args, r, 4, out NativeResult[]? rest);
        Release(r, Math.Min(n, 4), rest);
    }

    public (Tensor, Tensor) Call2(params ReadOnlySpan<Arg> args)
    {
        Tensor[] t = CallMany(args);
        if (t.Length != 2) throw new TorchException($"{this}: expected 2 tensor results, got {t.Length}");
        return (t[0], t[1]);
    }

    public (Tensor, Tensor, Tensor) Call3(params ReadOnlySpan<Arg> args)
    {
        Tensor[] t = CallMany(args);
        if (t.Length != 3) throw new TorchException($"{this}: expected 3 tensor results, got {t.Length}");
        return (t[0], t[1], t[2]);
    }

    /// <summary>All tensor results (tuples and tensor lists flattened); undefined tensors are dropped.</summary>
    public Tensor[] CallMany(params ReadOnlySpan<Arg> args)
    {
        const int cap = 16;
        NativeResult* r = stackalloc NativeResult[cap];
        int n = Invoke(args, r, cap, out NativeResult[]? rest);
        var list = new List<Tensor>(n);
        for (int k = 0; k < n; k++)
        {
            NativeResult x = k < cap ? r[k] : rest![k - cap];
            if (x.Kind == NativeKind.Tensor) list.Add(new Tensor(x.P));
        }
        return list.ToArray();
    }

    /// <summary>For operators returning a number (int, float, bool or Scalar).</summary>
    public double CallScalar(params ReadOnlySpan<Arg> args)
    {
        NativeResult* r = stackalloc NativeResult[4];
        int n = Invoke(args, r, 4, out NativeResult[]? rest);
        NativeResult x = r[0];
        Release(r, Math.Min(n, 4), rest);
        return n == 1 ? x.Kind switch
        {
            NativeKind.Int or NativeKind.Bool => x.I,
            NativeKind.Double => x.D,
            _ => throw new TorchException($"{this}: expected a number, got {x.Kind}"),
        } : throw new TorchException($"{this}: expected one result, got {n}");
    }

    private static void Release(NativeResult* r, int n, NativeResult[]? rest)
    {
        for (int k = 0; k < n; k++)
            if (r[k].Kind == NativeKind.Tensor) Shim.ts_tensor_free(r[k].P);
        if (rest is null) return;
        foreach (NativeResult x in rest)
            if (x.Kind == NativeKind.Tensor) Shim.ts_tensor_free(x.P);
    }

    private int Invoke(ReadOnlySpan<Arg> args, NativeResult* results, int capacity, out NativeResult[]? rest)
    {
        IntPtr op = Handle;
        NativeArg* native = stackalloc NativeArg[args.Length];
        Scratch scratch = Scratch.ForThread;
        scratch.Reset();
        for (int k = 0; k < args.Length; k++) native[k] = ToNative(args[k], scratch);
        int n;
        int rc = Shim.ts_op_call(op, native, args.Length, results, capacity, &n);
        foreach (ref readonly Arg a in args) GC.KeepAlive(a.Obj);
        if (rc != 0) Shim.Throw(ToString());
        rest = null;
        if (n > capacity)
        {
            rest = new NativeResult[n - capacity];
            fixed (NativeResult* p = rest) Shim.Check(Shim.ts_take_overflow(p, n - capacity));
        }
        return n;
    }

    private static NativeArg ToNative(in Arg a, Scratch scratch)
    {
        var n = new NativeArg { Kind = a.Kind, I = a.I, D = a.D };
        switch (a.Kind)
        {
            case NativeKind.Tensor:
                n.P = ((Tensor)a.Obj!).Handle;
                break;
            case NativeKind.Generator:
                n.P = ((Generator)a.Obj!).Handle;
                break;
            case NativeKind.IntList:
                (n.P, n.N) = scratch.Copy((long[])a.Obj!);
                break;
            case NativeKind.DoubleList:
                (n.P, n.N) = scratch.Copy((double[])a.Obj!);
                break;
            case NativeKind.BoolList:
            {
                bool[] v = (bool[])a.Obj!;
                byte* p = (byte*)scratch.Take(v.Length);
                for (int k = 0; k < v.Length; k++) p[k] = v[k] ? (byte)1 : (byte)0;
                n.P = (IntPtr)p;
                n.N = v.Length;
                break;
            }
            case NativeKind.TensorList:
            {
                Tensor?[] v = (Tensor?[])a.Obj!;
                IntPtr* p = (IntPtr*)scratch.Take(v.Length * 8);
                for (int k = 0; k < v.Length; k++) p[k] = v[k]?.Handle ?? IntPtr.Zero;
                n.P = (IntPtr)p;
                n.N = v.Length;
                break;
            }
            case NativeKind.String:
            {
                string s = (string)a.Obj!;
                int len = Encoding.UTF8.GetByteCount(s);
                byte* p = (byte*)scratch.Take(len + 1);
                Encoding.UTF8.GetBytes(s, new Span<byte>(p, len));
                p[len] = 0;
                n.P = (IntPtr)p;
                break;
            }
        }
        return n;
    }

    /// <summary>Per-thread unmanaged memory for list and string arguments of one call.</summary>
    private sealed class Scratch
    {
        [ThreadStatic] private static Scratch? _current;
        private readonly List<IntPtr> _retired = [];
        private byte* _buffer;
        private int _capacity;
        private int _used;

        public static Scratch ForThread => _current ??= new Scratch();

        public void Reset()
        {
            _used = 0;
            foreach (IntPtr p in _retired) NativeMemory.Free((void*)p);
            _retired.Clear();
        }

        public (IntPtr Pointer, long Count) Copy<T>(T[] values) where T : unmanaged
        {
            T* p = (T*)Take(values.Length * sizeof(T));
            values.AsSpan().CopyTo(new Span<T>(p, values.Length));
            return ((IntPtr)p, values.Length);
        }

        public byte* Take(int bytes)
        {
            int size = (bytes + 7) & ~7;
            if (_used + size > _capacity)
            {
                // Pointers already handed out for this call must stay valid until it returns.
                if (_buffer != null) _retired.Add((IntPtr)_buffer);
                _capacity = Math.Max(4096, (_used + size) * 2);
                _buffer = (byte*)NativeMemory.Alloc((nuint)_capacity);
                _used = 0;
            }
            byte* p = _buffer + _used;
            _used += size;
            return p;
        }
    }
}
