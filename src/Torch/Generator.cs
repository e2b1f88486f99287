using Torch.Native;

namespace Torch;

/// <summary>
/// An explicit random generator (libtorch's <c>at::Generator</c>). On CPU, a generator seeded with s
/// produces the same numbers as <c>torch.manual_seed(s)</c> followed by the same calls in PyTorch.
/// </summary>
public sealed class Generator : IDisposable
{
    private IntPtr _handle;

    public Generator(ulong seed, Device? device = null)
    {
        Device d = device ?? Device.CPU;
        Shim.Check(Shim.ts_generator_new((int)d.Type, d.Index, seed, out _handle), "creating generator");
        Device = d;
    }

    public Device Device { get; }

    internal IntPtr Handle => _handle != IntPtr.Zero ? _handle : throw new ObjectDisposedException(nameof(Generator));

    public ulong InitialSeed
    {
        get
        {
            ulong s = Shim.ts_generator_seed(Handle);
            GC.KeepAlive(this);
            return s;
        }
    }

    /// <summary>Re-seeds (resets the stream), like <c>Generator.manual_seed</c>.</summary>
    public Generator ManualSeed(ulong seed)
    {
        Shim.Check(Shim.ts_generator_set_seed(Handle, seed));
        GC.KeepAlive(this);
        return this;
    }

    /// <summary>The full generator state as a uint8 tensor (restore it with <see cref="SetState"/>).</summary>
    public Tensor GetState()
    {
        Shim.Check(Shim.ts_generator_get_state(Handle, out IntPtr state));
        GC.KeepAlive(this);
        return new Tensor(state);
    }

    public void SetState(Tensor state)
    {
        Shim.Check(Shim.ts_generator_set_state(Handle, state.Handle));
        GC.KeepAlive(this);
        GC.KeepAlive(state);
    }

    public void Dispose()
    {
        IntPtr h = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (h != IntPtr.Zero) Shim.ts_generator_free(h);
        GC.SuppressFinalize(this);
    }

    ~Generator()
    {
        IntPtr h = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (h != IntPtr.Zero) Shim.ts_generator_free(h);
    }
}
