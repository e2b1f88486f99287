using Torch;
using Torch.NN;

namespace Align.Models.Clip;

/// <summary>transformers' <c>CLIPMLP</c>: fc1 → activation → fc2.</summary>
public sealed class ClipMlp : Module<Tensor, Tensor>
{
    private readonly Func<Tensor, Tensor> _act;

    public ClipMlp(int hiddenSize, int intermediateSize, Func<Tensor, Tensor> activation)
    {
        _act = activation;
        fc1 = RegisterModule("fc1", new Linear(hiddenSize, intermediateSize));
        fc2 = RegisterModule("fc2", new Linear(intermediateSize, hiddenSize));
    }

    public Linear fc1 { get; }
    public Linear fc2 { get; }

    public override Tensor Forward(Tensor input)
    {
        using Tensor h = fc1.Forward(input);
        using Tensor a = _act(h);
        return fc2.Forward(a);
    }
}
