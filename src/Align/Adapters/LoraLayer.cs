using Torch;
using Torch.NN;

namespace Align.Adapters;

/// <summary>
/// One target layer's low-rank pair, PEFT's <c>lora_A</c> / <c>lora_B</c>: for a <see cref="Linear"/> A is [r, in] and
/// B [out, r]; for a <see cref="Conv2d"/> A is [r, in, kh, kw] (a convolution with the base layer's kernel, stride and
/// padding) and B [out, r, 1, 1]. The layer's contribution is <see cref="Scale"/> · B(A(x)), times the weight a run gives
/// the adapter. Takes ownership of the tensors.
/// </summary>
public sealed class LoraLayer : Module
{
    public LoraLayer(Tensor a, Tensor b, double alpha, bool rankStabilized = false, double dropout = 0)
    {
        string? problem = LayerFit.PairProblem(a.Shape, b.Shape);
        if (problem is not null) throw new ArgumentException(problem);
        if (!double.IsFinite(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be finite");
        if (dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "dropout must be in [0, 1)");
        A = RegisterParameter("lora_A", a);
        B = RegisterParameter("lora_B", b);
        Alpha = alpha;
        RankStabilized = rankStabilized;
        Dropout = dropout;
    }

    public Tensor A { get; }
    public Tensor B { get; }
    public int Rank => (int)A.Size(0);
    public double Alpha { get; }

    /// <summary>rsLoRA (PEFT's <c>use_rslora</c>): scale alpha/√r instead of alpha/r.</summary>
    public bool RankStabilized { get; }

    /// <summary>Dropout on the layer's input before A, in training mode only (PEFT's <c>lora_dropout</c>).</summary>
    public double Dropout { get; }

    public bool IsConv => A.Dim == 4;

    /// <summary>alpha / r (alpha / √r when rank-stabilised).</summary>
    public double Scale => RankStabilized ? Alpha / Math.Sqrt(Rank) : Alpha / Rank;

    /// <summary>
    /// B·A in the base weight's layout ([out, in] or [out, in, kh, kw]), unscaled, in float32 on the layer's device: what
    /// merging the pair into the base weight adds (times the scale).
    /// </summary>
    public Tensor DeltaWeight()
    {
        using var scope = torch.NewDisposeScope();
        Tensor a = A.Detach().Float(), b = B.Detach().Float();
        if (!IsConv) return b.Mm(a).MoveToOuterScope();
        long[] shape = A.Shape;
        Tensor delta = b.Flatten(1).Mm(a.Flatten(1));
        return delta.Reshape(b.Size(0), shape[1], shape[2], shape[3]).MoveToOuterScope();
    }
}
