using Torch;
using Torch.NN;

namespace Align.Adapters;

/// <summary>
/// The unfused LoRA path on one base layer: Σ scale · B(A(x)) over the adapters a run activated (several computed as one
/// pair of the summed rank: [B₁·s₁ … Bₖ·sₖ]·[A₁; …; Aₖ] is the same sum). A is applied with the
/// base convolution's stride, padding and dilation; B is a 1×1 convolution (or both are linear). Pairs kept on another
/// device or dtype than the input are converted per call, differentiably, so gradients still reach the originals.
/// </summary>
internal sealed class LoraBranch(Module baseLayer) : IParallelBranch
{
    private readonly List<(LoraLayer Layer, double Scale)> _terms = [];

    public void Add(LoraLayer layer, double scale) => _terms.Add((layer, scale));

    public Tensor Forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        bool dropout = _terms.Any(t => t.Layer.Dropout > 0 && t.Layer.IsTraining);
        Tensor result = _terms.Count switch
        {
            0 => throw new InvalidOperationException("a LoRA branch with no adapters"),
            1 => Term(input, _terms[0].Layer, _terms[0].Scale),
            _ when dropout => _terms.Select(t => Term(input, t.Layer, t.Scale)).Aggregate((sum, term) => sum + term),
            _ => Stacked(input),
        };
        return result.MoveToOuterScope();
    }

    private Tensor Term(Tensor input, LoraLayer layer, double scale)
    {
        Tensor x = layer.Dropout > 0 && layer.IsTraining ? F.Dropout(input, layer.Dropout, true) : input;
        return Up(Down(x, Placed(layer.A, input)), Placed(layer.B, input)) * scale;
    }

    // Several adapters on one layer as one pair of the summed rank: the A's stacked along the rank, the B's (each times its
    // scale) side by side, so the input is read and the output written once rather than once per adapter. Rebuilt every
    // call (the pairs are small), so it stays differentiable and sees weights an optimiser has just changed.
    private Tensor Stacked(Tensor input)
    {
        Tensor a = torch.Cat(_terms.Select(t => Placed(t.Layer.A, input)).ToArray(), 0);
        Tensor b = torch.Cat(_terms.Select(t => Placed(t.Layer.B, input) * t.Scale).ToArray(), 1);
        return Up(Down(input, a), b);
    }

    private Tensor Down(Tensor x, Tensor a) => baseLayer is Conv2d c
        ? F.Conv2d(x, a, null, c.Stride.ToArray(), c.Padding.ToArray(), c.Dilation.ToArray(), 1)
        : F.Linear(x, a);

    private Tensor Up(Tensor down, Tensor b) => baseLayer is Conv2d ? F.Conv2d(down, b) : F.Linear(down, b);

    private static Tensor Placed(Tensor t, Tensor like) =>
        t.Device == like.Device && t.DType == like.DType ? t : t.To(like.Device, like.DType);
}
