namespace Torch.NN;

public abstract partial class Module
{
    /// <summary>Moves every parameter and buffer (and gradient) to <paramref name="device"/>, in place; returns this.</summary>
    public Module To(Device device) => Convert(device, null);

    /// <summary>Casts the floating-point parameters and buffers (and gradients) to <paramref name="dtype"/>, in place; returns this.</summary>
    public Module To(DType dtype) => Convert(null, dtype);

    public Module To(Device device, DType dtype) => Convert(device, dtype);

    public Module Float() => To(DType.Float32);
    public Module Half() => To(DType.Float16);
    public Module Double() => To(DType.Float64);

    /// <summary>
    /// PyTorch's <c>module._apply</c>: each tensor object keeps its identity and gets the converted storage, so
    /// references held elsewhere (optimizers, fields of subclasses) see the change. Integer tensors keep their dtype.
    /// </summary>
    private Module Convert(Device? device, DType? dtype)
    {
        if (dtype is { } d && !d.IsFloatingPoint()) throw new ArgumentException($"modules can only be cast to floating-point dtypes, not {d}", nameof(dtype));
        using GradMode _ = Autograd.NoGrad();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (_, module) in NamedModules())
            foreach (Tensor? t in module._parameters.Values.Concat(module._buffers.Values))
                if (t is not null && seen.Add(t)) ConvertInPlace(t, device, dtype);
        return this;
    }

    private static void ConvertInPlace(Tensor t, Device? device, DType? dtype)
    {
        Device targetDevice = device ?? t.Device;
        DType targetType = dtype is { } d && t.DType.IsFloatingPoint() ? d : t.DType;
        if (targetDevice == t.Device && targetType == t.DType) return;
        bool requiresGrad = t.RequiresGrad;
        using Tensor? grad = t.Grad;
        using (Tensor converted = t.To(targetDevice, targetType))
            t.ReplaceHandle(converted);
        if (requiresGrad) t.RequiresGrad = true;
        if (grad is null) return;
        using Tensor convertedGrad = grad.To(targetDevice, targetType);
        t.Grad = convertedGrad;
    }
}
