using Torch.NN;

namespace Align.Adapters;

/// <summary>Whether a low-rank pair fits a base layer, by shape; each check returns null when it fits, else what is wrong.</summary>
internal static class LayerFit
{
    public static string? PairProblem(long[] a, long[] b)
    {
        if (a.Length is not (2 or 4) || b.Length != a.Length)
            return $"A {Show(a)} and B {Show(b)} must both be 2-D (linear) or both 4-D (convolution)";
        if (a[0] != b[1]) return $"rank mismatch: A {Show(a)} has rank {a[0]} but B {Show(b)} has {b[1]}";
        if (a.Length == 4 && (b[2] != 1 || b[3] != 1)) return $"B {Show(b)} must be a 1×1 convolution";
        return null;
    }

    /// <summary>The problem with attaching A and B to <paramref name="layer"/>, or null.</summary>
    public static string? Problem(Module layer, long[] a, long[] b)
    {
        string? pair = PairProblem(a, b);
        if (pair is not null) return pair;
        switch (layer)
        {
            case Linear l:
                if (a.Length != 2) return $"A {Show(a)} is a convolution but the layer is Linear [{l.OutFeatures}, {l.InFeatures}]";
                if (a[1] != l.InFeatures || b[0] != l.OutFeatures)
                    return $"A {Show(a)} and B {Show(b)} do not fit the layer's weight [{l.OutFeatures}, {l.InFeatures}]";
                return null;
            case Conv2d c:
                if (c.Groups != 1) return $"the layer is a grouped convolution (groups {c.Groups}), which LoRA does not support here";
                if (a.Length != 4) return $"A {Show(a)} is linear but the layer is a {c.KernelSize.H}×{c.KernelSize.W} convolution";
                if (a[1] != c.InChannels || a[2] != c.KernelSize.H || a[3] != c.KernelSize.W || b[0] != c.OutChannels)
                    return $"A {Show(a)} and B {Show(b)} do not fit the layer's weight [{c.OutChannels}, {c.InChannels}, {c.KernelSize.H}, {c.KernelSize.W}]";
                return null;
            default:
                return $"the layer is a {layer.GetType().Name}, not Linear or Conv2d";
        }
    }

    /// <summary>
    /// The shapes A and B take on <paramref name="layer"/>: files store pairs for 1×1 convolutions as 2-D (or for linear
    /// layers as [.., .., 1, 1]) depending on how the model was built; such pairs are reshaped to the layer's kind.
    /// </summary>
    public static (long[] A, long[] B) ShapesFor(Module layer, long[] a, long[] b)
    {
        if (layer is Linear && a.Length == 4 && b.Length == 4 && a[2] == 1 && a[3] == 1 && b[2] == 1 && b[3] == 1)
            return (a[..2], b[..2]);
        if (layer is Conv2d { KernelSize: { H: 1, W: 1 } } && a.Length == 2 && b.Length == 2)
            return ([.. a, 1, 1], [.. b, 1, 1]);
        return (a, b);
    }

    public static Torch.Tensor WeightOf(Module layer) => layer switch
    {
        Linear l => l.Weight,
        Conv2d c => c.Weight,
        _ => throw new ArgumentException($"a {layer.GetType().Name} is not a LoRA target", nameof(layer)),
    };

    public static string Show(long[] shape) => $"[{string.Join(", ", shape)}]";
}
