using Torch;
using Torch.NN;

namespace Align.Models.Diffusers;

/// <summary>
/// diffusers' <c>Attention</c> with its default processor: self- or cross-attention over [B, N, C] tokens, or over the
/// pixels of a [B, C, H, W] map (the VAE's mid-block: with group norm, residual connection and output rescaling).
/// </summary>
public sealed class Attention : Module
{
    private readonly int _heads;
    private readonly int _dimHead;
    private readonly bool _upcast;
    private readonly bool _residualConnection;
    private readonly double _rescaleOutputFactor;

    public Attention(int queryDim, int? crossAttentionDim = null, int heads = 8, int dimHead = 64, bool bias = false,
        bool upcastAttention = false, bool upcastSoftmax = false, bool outBias = true, int? normNumGroups = null, double eps = 1e-5,
        bool residualConnection = false, double rescaleOutputFactor = 1.0)
    {
        _heads = heads;
        _dimHead = dimHead;
        _upcast = upcastAttention || upcastSoftmax;
        _residualConnection = residualConnection;
        _rescaleOutputFactor = rescaleOutputFactor;
        int inner = heads * dimHead;
        int kvDim = crossAttentionDim ?? queryDim;
        if (normNumGroups is int g) group_norm = RegisterModule("group_norm", new GroupNorm(g, queryDim, eps));
        to_q = RegisterModule("to_q", new Linear(queryDim, inner, bias));
        to_k = RegisterModule("to_k", new Linear(kvDim, inner, bias));
        to_v = RegisterModule("to_v", new Linear(kvDim, inner, bias));
        to_out = RegisterModule("to_out", new ModuleList(new Linear(inner, queryDim, outBias), new Dropout(0)));
    }

    public GroupNorm? group_norm { get; }
    public Linear to_q { get; }
    public Linear to_k { get; }
    public Linear to_v { get; }
    public ModuleList to_out { get; }

    /// <summary>
    /// When set, cross-attention (a call with a context) is computed explicitly and this receives its probabilities
    /// softmax(QKᵀ/√d) as [B·heads, N, T] (diffusers' <c>AttendExciteAttnProcessor</c>), autograd intact; when null the fused
    /// kernel runs as usual. The tensor belongs to this call's dispose scope: detach it from the scope to keep it.
    /// This is model state: set it only while no other run uses the model.
    /// </summary>
    public Action<Tensor>? CrossAttentionProbabilitiesHook { get; set; }

    /// <param name="hidden">[B, N, C] tokens or a [B, C, H, W] map</param>
    /// <param name="context">cross-attention keys/values [B, M, D]; null for self-attention</param>
    public Tensor Forward(Tensor hidden, Tensor? context = null)
    {
        using var scope = torch.NewDisposeScope();
        Tensor x = hidden;
        long[] shape = hidden.Shape;
        if (shape.Length == 4) x = hidden.View(shape[0], shape[1], shape[2] * shape[3]).Transpose(1, 2);
        if (group_norm is not null) x = group_norm.Forward(x.Transpose(1, 2)).Transpose(1, 2);
        Tensor kv = context ?? x;
        Tensor q = SplitHeads(to_q.Forward(x));
        Tensor k = SplitHeads(to_k.Forward(kv));
        Tensor v = SplitHeads(to_v.Forward(kv));
        DType dtype = q.DType;
        if (_upcast && dtype != DType.Float32)
        {
            q = q.Float();
            k = k.Float();
        }
        Tensor vv = _upcast && dtype != DType.Float32 ? v.Float() : v;
        Tensor attended = (context is not null && CrossAttentionProbabilitiesHook is { } hook
            ? AttendObserved(q, k, vv, hook)
            : F.ScaledDotProductAttention(q, k, vv)).To(dtype);
        long b = attended.Size(0), n = attended.Size(2);
        Tensor merged = attended.Transpose(1, 2).Reshape(b, n, _heads * _dimHead);
        Tensor output = ((Linear)to_out[0]).Forward(merged);
        if (shape.Length == 4) output = output.Transpose(-1, -2).Reshape(shape);
        if (_residualConnection) output = output + hidden;
        if (_rescaleOutputFactor != 1.0) output = output / _rescaleOutputFactor;
        return output.MoveToOuterScope();
    }

    // The unfused path of diffusers' AttnProcessor: get_attention_scores, then probabilities × values.
    private Tensor AttendObserved(Tensor q, Tensor k, Tensor v, Action<Tensor> hook)
    {
        Tensor scores = q.Matmul(k.Transpose(-2, -1)) * (1.0 / Math.Sqrt(_dimHead));
        Tensor probabilities = F.Softmax(scores, -1);
        hook(probabilities.Reshape(-1, probabilities.Size(2), probabilities.Size(3)));
        return probabilities.Matmul(v);
    }

    private Tensor SplitHeads(Tensor t) => t.View(t.Size(0), t.Size(1), _heads, _dimHead).Transpose(1, 2);
}
