namespace Torch;

/// <summary>The <c>torch.nn.functional</c> operations.</summary>
public static class F
{
    public enum Reduction { None = 0, Mean = 1, Sum = 2 }

    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null) => Aten.Linear.Call(input, weight, bias);

    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0,
        long dilation = 1, long groups = 1) =>
        Aten.Conv2d.Call(input, weight, bias, new[] { stride, stride }, new[] { padding, padding }, new[] { dilation, dilation }, groups);

    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] dilation, long groups) =>
        Aten.Conv2d.Call(input, weight, bias, stride, padding, dilation, groups);

    public static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0,
        long outputPadding = 0, long groups = 1, long dilation = 1) =>
        Aten.ConvTranspose2d.Call(input, weight, bias, new[] { stride, stride }, new[] { padding, padding },
            new[] { outputPadding, outputPadding }, groups, new[] { dilation, dilation });

    public static Tensor GroupNorm(Tensor input, long numGroups, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5) =>
        Aten.GroupNorm.Call(input, numGroups, weight, bias, eps, true);

    public static Tensor LayerNorm(Tensor input, long[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5) =>
        Aten.LayerNorm.Call(input, normalizedShape, weight, bias, eps, true);

    public static Tensor Softmax(Tensor input, long dim, DType? dtype = null) => Aten.Softmax.Call(input, dim, dtype);
    public static Tensor LogSoftmax(Tensor input, long dim, DType? dtype = null) => Aten.LogSoftmax.Call(input, dim, dtype);

    public static Tensor Silu(Tensor x) => Aten.Silu.Call(x);
    public static Tensor Relu(Tensor x) => Aten.Relu.Call(x);
    public static Tensor Sigmoid(Tensor x) => Aten.Sigmoid.Call(x);
    public static Tensor Tanh(Tensor x) => Aten.Tanh.Call(x);
    public static Tensor LogSigmoid(Tensor x) => Aten.LogSigmoid.Call(x);
    public static Tensor Softplus(Tensor x, double beta = 1, double threshold = 20) => Aten.Softplus.Call(x, beta, threshold);

    /// <summary>GELU; <paramref name="approximate"/> is "none" (erf) or "tanh".</summary>
    public static Tensor Gelu(Tensor x, string approximate = "none") => Aten.Gelu.Call(x, approximate);

    /// <summary>CLIP's <c>quick_gelu</c>: x·σ(1.702x).</summary>
    public static Tensor QuickGelu(Tensor x)
    {
        using Tensor scaled = x * 1.702;
        using Tensor gate = scaled.Sigmoid();
        return x * gate;
    }

    public static Tensor Dropout(Tensor x, double p, bool training) => Aten.Dropout.Call(x, p, training);
    public static Tensor Embedding(Tensor weight, Tensor indices) => Aten.Embedding.Call(weight, indices);

    public static Tensor AvgPool2d(Tensor x, long kernel, long? stride = null, long padding = 0) =>
        Aten.AvgPool2d.Call(x, new[] { kernel, kernel }, new[] { stride ?? kernel, stride ?? kernel }, new[] { padding, padding });
    public static Tensor MaxPool2d(Tensor x, long kernel, long? stride = null, long padding = 0) =>
        Aten.MaxPool2d.Call(x, new[] { kernel, kernel }, new[] { stride ?? kernel, stride ?? kernel }, new[] { padding, padding });

    /// <summary><c>F.pad</c>: <paramref name="pad"/> lists (left, right, top, bottom, ...) from the last dimension; mode constant, reflect, replicate or circular.</summary>
    public static Tensor Pad(Tensor x, long[] pad, string mode = "constant", double value = 0) =>
        mode == "constant" ? Aten.ConstantPadNd.Call(x, pad, value) : Aten.Pad.Call(x, pad, mode, Arg.None);

    /// <summary>
    /// <c>F.interpolate</c> of a 4-D tensor to <paramref name="size"/> (h, w) or by <paramref name="scaleFactor"/>.
    /// Modes: nearest, bilinear, bicubic; <paramref name="antialias"/> for bilinear/bicubic downsampling.
    /// </summary>
    public static Tensor Interpolate(Tensor x, long[]? size = null, double? scaleFactor = null, string mode = "nearest",
        bool alignCorners = false, bool antialias = false)
    {
        if ((size is null) == (scaleFactor is null)) throw new ArgumentException("give exactly one of size and scaleFactor");
        if (x.Dim != 4) throw new ArgumentException($"interpolate takes a 4-D tensor, got {x.Dim}-D");
        long[] outSize = size ?? [(long)Math.Floor(x.Size(2) * scaleFactor!.Value), (long)Math.Floor(x.Size(3) * scaleFactor.Value)];
        // PyTorch passes the scale factor on to the kernel when one was given (it changes the sampling grid);
        // the kernels take the factor itself (output/input) and invert it internally.
        Arg scale = scaleFactor is null ? Arg.None : scaleFactor.Value;
        return (mode, antialias) switch
        {
            ("nearest", false) => Aten.UpsampleNearest2d.Call(x, outSize, scale, scale),
            ("bilinear", false) => Aten.UpsampleBilinear2d.Call(x, outSize, alignCorners, scale, scale),
            ("bicubic", false) => Aten.UpsampleBicubic2d.Call(x, outSize, alignCorners, scale, scale),
            ("bilinear", true) => Aten.UpsampleBilinear2dAA.Call(x, outSize, alignCorners, scale, scale),
            ("bicubic", true) => Aten.UpsampleBicubic2dAA.Call(x, outSize, alignCorners, scale, scale),
            _ => throw new ArgumentException($"interpolate mode '{mode}'{(antialias ? " with antialias" : "")} is not supported"),
        };
    }

    /// <summary>
    /// softmax(q·kᵀ·scale + mask)·v over the last two dimensions (default scale 1/√d). Uses libtorch's fused
    /// kernel where it exists (2.x), otherwise the explicit matmul–softmax–matmul.
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor? mask = null, double? scale = null)
    {
        double s = scale ?? 1.0 / Math.Sqrt(q.Size(-1));
        if (torch.HasFusedAttention && scale is null)
            return Aten.ScaledDotProductAttention.Call(q, k, v, mask, 0.0, false);
        if (torch.HasFusedAttention && FusedAttentionTakesScale.Value)
            return Aten.ScaledDotProductAttention.Call(q, k, v, mask, 0.0, false, s);
        // q·kᵀ then ×scale: the same roundings as diffusers' baddbmm(β=0, α=scale), which is not used because
        // libtorch 1.13's small-matrix baddbmm path reads its uninitialised output (NaN garbage) even with β=0.
        using var scope = torch.NewDisposeScope();
        Tensor scores = q.Matmul(k.Transpose(-2, -1)) * s;
        if (mask is not null) scores = scores + mask;
        return Softmax(scores, -1).Matmul(v).MoveToOuterScope();
    }

    // torch 2.0's fused attention has no scale argument; 2.1 added it.
    private static readonly Lazy<bool> FusedAttentionTakesScale = new(() => Aten.ScaledDotProductAttention.Schema.Contains("scale"));

    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        Aten.MseLoss.Call(input, target, (long)reduction);
    public static Tensor CrossEntropy(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double labelSmoothing = 0) =>
        Aten.CrossEntropyLoss.Call(input, target, Arg.None, (long)reduction, -100L, labelSmoothing);
    public static Tensor CosineSimilarity(Tensor a, Tensor b, long dim = 1, double eps = 1e-8) =>
        Aten.CosineSimilarity.Call(a, b, dim, eps);
    public static Tensor OneHot(Tensor indices, long numClasses = -1) => Aten.OneHot.Call(indices, numClasses);

    /// <summary><c>F.normalize</c>: x / max(‖x‖_p, eps) along <paramref name="dim"/>.</summary>
    public static Tensor Normalize(Tensor x, double p = 2, long dim = 1, double eps = 1e-12)
    {
        using Tensor norm = x.Norm(p, [dim], keepDim: true);
        using Tensor denom = norm.ClampMin(eps);
        return x / denom;
    }
}
