using Torch;
using Torch.NN;

namespace Align.Models.Diffusers;

/// <summary>diffusers' <c>BasicTransformerBlock</c> (norm_type "layer_norm"): self-attention, cross-attention, feed-forward, each pre-normed with a residual.</summary>
public sealed class BasicTransformerBlock : Module
{
    private readonly bool _onlyCrossAttention;

    public BasicTransformerBlock(int dim, int heads, int headDim, int? crossAttentionDim, bool onlyCrossAttention, bool upcastAttention, string source)
    {
        _onlyCrossAttention = onlyCrossAttention;
        norm1 = RegisterModule("norm1", new LayerNorm(dim));
        attn1 = RegisterModule("attn1", new Attention(dim, onlyCrossAttention ? crossAttentionDim : null, heads, headDim, upcastAttention: upcastAttention));
        norm2 = RegisterModule("norm2", new LayerNorm(dim));
        attn2 = RegisterModule("attn2", new Attention(dim, crossAttentionDim, heads, headDim, upcastAttention: upcastAttention));
        norm3 = RegisterModule("norm3", new LayerNorm(dim));
        ff = RegisterModule("ff", new FeedForward(dim, "geglu", source));
    }

    public LayerNorm norm1 { get; }
    public Attention attn1 { get; }
    public LayerNorm norm2 { get; }
    public Attention attn2 { get; }
    public LayerNorm norm3 { get; }
    public FeedForward ff { get; }

    public Tensor Forward(Tensor hidden, Tensor? context)
    {
        using var scope = torch.NewDisposeScope();
        Tensor h = attn1.Forward(norm1.Forward(hidden), _onlyCrossAttention ? context : null) + hidden;
        h = attn2.Forward(norm2.Forward(h), context) + h;
        h = ff.Forward(norm3.Forward(h)) + h;
        return h.MoveToOuterScope();
    }
}
