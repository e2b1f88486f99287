using Torch;
using Torch.NN;

namespace Align.Models.Clip;

/// <summary>transformers' <c>CLIPAttention</c>: multi-head attention with q/k/v/out projections.</summary>
public sealed class ClipAttention : Module
{
    private readonly int _heads;
    private readonly int _headDim;

    public ClipAttention(int hiddenSize, int heads)
    {
        _heads = heads;
        _headDim = hiddenSize / heads;
        k_proj = RegisterModule("k_proj", new Linear(hiddenSize, hiddenSize));
        v_proj = RegisterModule("v_proj", new Linear(hiddenSize, hiddenSize));
        q_proj = RegisterModule("q_proj", new Linear(hiddenSize, hiddenSize));
        out_proj = RegisterModule("out_proj", new Linear(hiddenSize, hiddenSize));
    }

    public Linear k_proj { get; }
    public Linear v_proj { get; }
    public Linear q_proj { get; }
    public Linear out_proj { get; }

    /// <param name="hidden">[B, T, C]</param>
    /// <param name="mask">additive mask broadcastable to [B, heads, T, T], or null</param>
    public Tensor Forward(Tensor hidden, Tensor? mask)
    {
        long b = hidden.Size(0), t = hidden.Size(1);
        using Tensor q = SplitHeads(q_proj.Forward(hidden), b, t);
        using Tensor k = SplitHeads(k_proj.Forward(hidden), b, t);
        using Tensor v = SplitHeads(v_proj.Forward(hidden), b, t);
        using Tensor attended = F.ScaledDotProductAttention(q, k, v, mask);
        using Tensor merged = attended.Transpose(1, 2).Reshape(b, t, _heads * _headDim);
        return out_proj.Forward(merged);
    }

    private Tensor SplitHeads(Tensor x, long b, long t)
    {
        using (x)
        using (Tensor split = x.View(b, t, _heads, _headDim))
            return split.Transpose(1, 2);
    }
}
