using Torch;
using Torch.NN;

namespace Align.Adapters;

/// <summary>
/// The unfused LoRA path on one base layer: Σ scale · B(A(x)) over the adapters a run activated. A is applied with the
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
        Tensor? sum = null;
        foreach ((LoraLayer layer, double scale) in _terms)
        {
            Tensor x = layer.Dropout > 0 && layer.IsTraining ? F.Dropout(input, layer.Dropout, true) : input;
            Tensor a = Placed(layer.A, input), b = Placed(layer.B, input);
            Tensor down = baseLayer is Conv2d c
                ? F.Conv2d(x, a, null, c.Stride.ToArray(), c.Padding.ToArray(), c.Dilation.ToArray(), 1)
                : F.Linear(x, a);
            Tensor term = (baseLayer is Conv2d ? F.Conv2d(down, b) : F.Linear(down, b)) * scale;
            sum = sum is null ? term : sum + term;
        }
        return (sum ?? throw new InvalidOperationException("a LoRA branch with no adapters")).MoveToOuterScope();
    }

    private static Tensor Placed(Tensor t, Tensor like) =>
        t.Device == like.Device && t.DType == like.DType ? t : t.To(like.Device, like.DType);
}
