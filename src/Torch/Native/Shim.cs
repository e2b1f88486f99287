using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Torch.Native;

/// <summary>P/Invoke declarations of libtorchshim (native/torchshim.h). Only this file talks to native code.</summary>
internal static unsafe partial class Shim
{
    private const string Lib = "torchshim";

    [LibraryImport(Lib)] internal static partial IntPtr ts_last_error();
    [LibraryImport(Lib)] internal static partial IntPtr ts_version();

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ts_op_find(string name, string overload, out IntPtr op);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ts_op_exists(string name, string overload);
    [LibraryImport(Lib)] internal static partial int ts_op_schema(IntPtr op, byte* buffer, long capacity);
    [LibraryImport(Lib)]
    internal static partial int ts_op_call(IntPtr op, NativeArg* args, int nargs, NativeResult* results, int capacity, int* nresults);
    [LibraryImport(Lib)] internal static partial int ts_take_overflow(NativeResult* results, int count);

    [LibraryImport(Lib)] internal static partial void ts_tensor_free(IntPtr t);
    [LibraryImport(Lib)] internal static partial IntPtr ts_tensor_alias(IntPtr t);
    [LibraryImport(Lib), SuppressGCTransition] internal static partial int ts_tensor_info(IntPtr t, NativeTensorInfo* info);
    [LibraryImport(Lib), SuppressGCTransition] internal static partial int ts_tensor_sizes(IntPtr t, long* output, int capacity);
    [LibraryImport(Lib), SuppressGCTransition] internal static partial int ts_tensor_strides(IntPtr t, long* output, int capacity);
    [LibraryImport(Lib)]
    internal static partial int ts_tensor_empty(long* sizes, int ndim, int dtype, int deviceType, int deviceIndex, out IntPtr t);
    [LibraryImport(Lib)]
    internal static partial int ts_tensor_from_data(void* data, long nbytes, long* sizes, int ndim, int dtype, out IntPtr t);
    [LibraryImport(Lib)] internal static partial int ts_tensor_copy_to(IntPtr t, void* dst, long nbytes);
    [LibraryImport(Lib), SuppressGCTransition] internal static partial IntPtr ts_tensor_data_ptr(IntPtr t);
    [LibraryImport(Lib)] internal static partial int ts_tensor_set_data(IntPtr t, IntPtr src);

    [LibraryImport(Lib)] internal static partial int ts_tensor_set_requires_grad(IntPtr t, int requiresGrad);
    [LibraryImport(Lib)] internal static partial int ts_tensor_grad(IntPtr t, out IntPtr grad);
    [LibraryImport(Lib)] internal static partial int ts_tensor_set_grad(IntPtr t, IntPtr grad);
    [LibraryImport(Lib)] internal static partial int ts_tensor_retain_grad(IntPtr t);
    [LibraryImport(Lib)] internal static partial int ts_tensor_grad_fn_name(IntPtr t, byte* buffer, long capacity);
    [LibraryImport(Lib)]
    internal static partial int ts_autograd_backward(IntPtr* tensors, IntPtr* grads, int n, int retainGraph, int createGraph);
    [LibraryImport(Lib)]
    internal static partial int ts_autograd_grad(IntPtr* outputs, IntPtr* gradOutputs, int nout, IntPtr* inputs, int nin,
        int retainGraph, int createGraph, int allowUnused, IntPtr* results);
    [LibraryImport(Lib)]
    internal static partial int ts_checkpoint(delegate* unmanaged<IntPtr, IntPtr*, int, IntPtr*, int, int*, byte*, long, int> function,
        delegate* unmanaged<IntPtr, void> release, IntPtr context, IntPtr* inputs, int nin, IntPtr* outputs, int capacity, int* nout);
    [LibraryImport(Lib), SuppressGCTransition] internal static partial int ts_grad_enabled();
    [LibraryImport(Lib), SuppressGCTransition] internal static partial void ts_set_grad_enabled(int enabled);

    [LibraryImport(Lib)] internal static partial int ts_generator_new(int deviceType, int deviceIndex, ulong seed, out IntPtr g);
    [LibraryImport(Lib)] internal static partial void ts_generator_free(IntPtr g);
    [LibraryImport(Lib)] internal static partial int ts_generator_set_seed(IntPtr g, ulong seed);
    [LibraryImport(Lib)] internal static partial ulong ts_generator_seed(IntPtr g);
    [LibraryImport(Lib)] internal static partial int ts_generator_get_state(IntPtr g, out IntPtr state);
    [LibraryImport(Lib)] internal static partial int ts_generator_set_state(IntPtr g, IntPtr state);
    [LibraryImport(Lib)] internal static partial void ts_manual_seed(ulong seed);

    [LibraryImport(Lib)] internal static partial void ts_set_num_threads(int n);
    [LibraryImport(Lib)] internal static partial int ts_get_num_threads();
    [LibraryImport(Lib)] internal static partial int ts_cuda_device_count();
    [LibraryImport(Lib)] internal static partial int ts_cuda_synchronize(int deviceIndex);

    /// <summary>Throws the thread's last libtorch error when a shim call reported failure.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Check(int rc, string? context = null)
    {
        if (rc != 0) Throw(context);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Throw(string? context)
    {
        string message = Marshal.PtrToStringUTF8(ts_last_error()) ?? "unknown libtorch error";
        // The shim's own argument errors already start with the operator's name.
        bool named = context is null || message.StartsWith(context + ":", StringComparison.Ordinal);
        throw new TorchException(named ? message : $"{context}: {message}");
    }
}
