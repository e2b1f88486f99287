using Torch;
using Torch.NN;

namespace Align.Models.Clip;

/// <summary>transformers' <c>CLIPEncoderLayer</c>: pre-norm attention and MLP, each with a residual.</summary>
public sealed class ClipEncoderLayer : Module
{
    public ClipEncoderLayer(int hiddenSize, int intermediateSize, int heads, double eps, Func<Tensor, Tensor> activation)
    {
        self_attn = RegisterModule("self_attn", new ClipAttention(hiddenSize, heads));
        layer_norm1 = RegisterModule("layer_norm1", new LayerNorm(hiddenSize, eps));
        mlp = RegisterModule("mlp", new ClipMlp(hiddenSize, intermediateSize, activation));
        layer_norm2 = RegisterModule("layer_norm2", new LayerNorm(hiddenSize, eps));
    }

    public ClipAttention self_attn { get; }
    public LayerNorm layer_norm1 { get; }
    public ClipMlp mlp { get; }
    public LayerNorm layer_norm2 { get; }

    public Tensor Forward(Tensor hidden, Tensor? mask)
    {
        Tensor h1;
        using (Tensor n1 = layer_norm1.Forward(hidden))
        using (Tensor a = self_attn.Forward(n1, mask))
            h1 = hidden + a;
        using (h1)
        using (Tensor n2 = layer_norm2.Forward(h1))
        using (Tensor m = mlp.Forward(n2))
            return h1 + m;
    }
}
