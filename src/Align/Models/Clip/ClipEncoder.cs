using Torch;
using Torch.NN;

namespace Align.Models.Clip;

/// <summary>transformers' <c>CLIPEncoder</c>: a stack of encoder layers; returns every hidden state.</summary>
public sealed class ClipEncoder : Module
{
    public ClipEncoder(int layers, int hiddenSize, int intermediateSize, int heads, double eps, Func<Tensor, Tensor> activation)
    {
        this.layers = RegisterModule("layers", new ModuleList<ClipEncoderLayer>(
            Enumerable.Range(0, layers).Select(_ => new ClipEncoderLayer(hiddenSize, intermediateSize, heads, eps, activation))));
    }

    public ModuleList<ClipEncoderLayer> layers { get; }

    /// <summary>The input followed by each layer's output (<c>hidden_states</c> in transformers); the caller owns all but the input.</summary>
    public List<Tensor> Forward(Tensor embeddings, Tensor? mask)
    {
        var states = new List<Tensor> { embeddings };
        foreach (ClipEncoderLayer layer in layers) states.Add(layer.Forward(states[^1], mask));
        return states;
    }
}
