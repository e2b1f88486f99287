using Torch.Native;

namespace Torch;

/// <summary>Reverse-mode autodiff entry points and the per-thread grad mode.</summary>
public static unsafe class Autograd
{
    /// <summary>Whether operations on this thread record the graph.</summary>
    public static bool IsGradEnabled => Shim.ts_grad_enabled() != 0;

    /// <summary>Disables graph recording on this thread until disposed (<c>torch.no_grad()</c>).</summary>
    public static GradMode NoGrad() => new(false);

    /// <summary>Enables graph recording on this thread until disposed (<c>torch.enable_grad()</c>).</summary>
    public static GradMode EnableGrad() => new(true);

    /// <summary><c>torch.autograd.backward</c>: accumulates gradients of the tensors into the leaves' <c>.grad</c>.</summary>
    public static void Backward(Tensor[] tensors, Tensor?[]? gradients = null, bool retainGraph = false, bool createGraph = false)
    {
        if (gradients is not null && gradients.Length != tensors.Length)
            throw new ArgumentException("one gradient per tensor", nameof(gradients));
        IntPtr* ts = stackalloc IntPtr[tensors.Length];
        IntPtr* gs = stackalloc IntPtr[tensors.Length];
        for (int k = 0; k < tensors.Length; k++)
        {
            ts[k] = tensors[k].Handle;
            gs[k] = gradients?[k]?.Handle ?? IntPtr.Zero;
        }
        int rc = Shim.ts_autograd_backward(ts, gs, tensors.Length, retainGraph ? 1 : 0, createGraph ? 1 : 0);
        GC.KeepAlive(tensors);
        GC.KeepAlive(gradients);
        Shim.Check(rc, "backward");
    }

    /// <summary><c>torch.autograd.grad</c>: gradients of <paramref name="outputs"/> w.r.t. <paramref name="inputs"/> (null where unused and allowed).</summary>
    public static Tensor?[] Grad(Tensor[] outputs, Tensor[] inputs, Tensor?[]? gradOutputs = null, bool retainGraph = false,
        bool createGraph = false, bool allowUnused = false)
    {
        IntPtr* os = stackalloc IntPtr[outputs.Length];
        IntPtr* gs = stackalloc IntPtr[outputs.Length];
        IntPtr* ins = stackalloc IntPtr[inputs.Length];
        IntPtr* rs = stackalloc IntPtr[inputs.Length];
        for (int k = 0; k < outputs.Length; k++)
        {
            os[k] = outputs[k].Handle;
            gs[k] = gradOutputs?[k]?.Handle ?? IntPtr.Zero;
        }
        for (int k = 0; k < inputs.Length; k++) ins[k] = inputs[k].Handle;
        int rc = Shim.ts_autograd_grad(os, gs, outputs.Length, ins, inputs.Length, retainGraph ? 1 : 0, createGraph ? 1 : 0,
            allowUnused ? 1 : 0, rs);
        GC.KeepAlive(outputs);
        GC.KeepAlive(inputs);
        GC.KeepAlive(gradOutputs);
        Shim.Check(rc, "autograd.grad");
        var result = new Tensor?[inputs.Length];
        for (int k = 0; k < inputs.Length; k++) result[k] = rs[k] == IntPtr.Zero ? null : new Tensor(rs[k]);
        return result;
    }

    /// <summary>
    /// <c>torch.nn.utils.clip_grad_norm_</c>: scales the gradients in place so their joint L2 norm is at
    /// most <paramref name="maxNorm"/>; returns the norm before clipping.
    /// </summary>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = NoGrad();
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToArray();
        if (grads.Length == 0) return 0;
        Tensor total = torch.Stack(grads.Select(g => g.Norm()).ToArray()).Norm();
        double norm = total.ToDouble();
        // PyTorch multiplies by clamp(max_norm / (norm + 1e-6), max=1).
        Tensor coef = (maxNorm / (total + 1e-6)).ClampMax(1.0);
        foreach (Tensor g in grads) g.Mul_(coef);
        return norm;
    }
}

/// <summary>Restores the previous grad mode of this thread when disposed.</summary>
public sealed class GradMode : IDisposable
{
    private readonly bool _previous;
    private bool _disposed;

    internal GradMode(bool enabled)
    {
        _previous = Autograd.IsGradEnabled;
        Shim.ts_set_grad_enabled(enabled ? 1 : 0);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Shim.ts_set_grad_enabled(_previous ? 1 : 0);
    }
}
