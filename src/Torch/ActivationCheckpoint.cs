using System.Runtime.InteropServices;
using System.Text;
using Torch.Native;

namespace Torch;

/// <summary>
/// Activation checkpointing (<c>torch.utils.checkpoint</c>): trades compute for memory. <see cref="Run"/> calls the
/// function without recording its graph, so none of its intermediate activations are kept; the outputs hang off one
/// autograd node that keeps only the inputs. When a backward pass reaches that node, it calls the function again with
/// grad enabled and back-propagates through the recomputation. The function must be deterministic (no dropout, no
/// random draws) and must not capture tensors that may be disposed before the backward pass: pass them as inputs.
/// </summary>
public static unsafe class ActivationCheckpoint
{
    private const int MaxOutputs = 64;

    /// <summary>
    /// <paramref name="function"/>(<paramref name="inputs"/>), its graph recomputed at backward time. Null inputs reach
    /// the function as null. Inputs that require grad get gradients; the others are treated as constants.
    /// </summary>
    public static Tensor[] Run(Func<IReadOnlyList<Tensor?>, Tensor[]> function, params Tensor?[] inputs)
    {
        GCHandle handle = GCHandle.Alloc(function); // freed by Release, which the shim calls exactly once
        IntPtr* ins = stackalloc IntPtr[inputs.Length];
        IntPtr* outs = stackalloc IntPtr[MaxOutputs];
        int n = 0;
        for (int k = 0; k < inputs.Length; k++) ins[k] = inputs[k]?.Handle ?? IntPtr.Zero;
        int rc = Shim.ts_checkpoint(&Call, &Release, GCHandle.ToIntPtr(handle), ins, inputs.Length, outs, MaxOutputs, &n);
        GC.KeepAlive(inputs);
        Shim.Check(rc, "checkpoint");
        var result = new Tensor[n];
        for (int k = 0; k < n; k++)
            result[k] = outs[k] != IntPtr.Zero ? new Tensor(outs[k]) : throw new InvalidOperationException("a checkpointed function returned an undefined tensor");
        return result;
    }

    [UnmanagedCallersOnly]
    private static int Call(IntPtr context, IntPtr* inputs, int nin, IntPtr* outputs, int capacity, int* nout, byte* error, long errorCapacity)
    {
        *nout = 0;
        try
        {
            var function = (Func<IReadOnlyList<Tensor?>, Tensor[]>)GCHandle.FromIntPtr(context).Target!;
            using var scope = torch.NewDisposeScope();
            var args = new Tensor?[nin];
            for (int k = 0; k < nin; k++) args[k] = inputs[k] == IntPtr.Zero ? null : new Tensor(Shim.ts_tensor_alias(inputs[k]));
            Tensor[] results = function(args);
            if (results.Length > capacity) throw new InvalidOperationException($"a checkpointed function may return at most {capacity} tensors");
            for (int k = 0; k < results.Length; k++)
            {
                outputs[k] = Shim.ts_tensor_alias(results[k].Handle);
                *nout = k + 1;
            }
            return 0;
        }
        catch (Exception e)
        {
            int length = (int)Math.Min(errorCapacity - 1, int.MaxValue);
            byte[] message = Encoding.UTF8.GetBytes($"{e.GetType().Name}: {e.Message}");
            int count = Math.Min(message.Length, length);
            Marshal.Copy(message, 0, (IntPtr)error, count);
            error[count] = 0;
            return -1;
        }
    }

    [UnmanagedCallersOnly]
    private static void Release(IntPtr context) => GCHandle.FromIntPtr(context).Free();
}
