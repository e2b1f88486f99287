using Torch;

namespace Align.Alignment;

/// <summary>
/// Collects the cross-attention probabilities of one UNet pass at one resolution (diffusers' <c>AttentionStore</c>) and
/// averages them over heads and layers. Owns the tensors it keeps until <see cref="Clear"/> or <see cref="Dispose"/>.
/// </summary>
public sealed class AttentionStore(int height, int width) : IDisposable
{
    private readonly List<Tensor> _maps = [];

    public int Height { get; } = height;
    public int Width { get; } = width;
    public int Count => _maps.Count;

    /// <summary>The hook for <c>UNet2DConditionModel.SetCrossAttentionHook</c>: keeps probabilities [B·heads, H·W, T] of this resolution.</summary>
    public void Record(string layer, Tensor probabilities)
    {
        if (probabilities.Size(1) == (long)Height * Width) _maps.Add(probabilities.DetachFromDisposeScope());
    }

    /// <summary>The mean over every kept head and layer, [H, W, T] (the reference's <c>aggregate_attention</c>).</summary>
    public Tensor Aggregate()
    {
        if (_maps.Count == 0) throw new InvalidOperationException($"no cross-attention was captured at {Height}×{Width}");
        using var scope = torch.NewDisposeScope();
        Tensor all = torch.Cat(_maps.Select(m => m.Reshape(-1, Height, Width, m.Size(-1))).ToArray());
        return all.Mean(0).MoveToOuterScope();
    }

    public void Clear()
    {
        foreach (Tensor m in _maps) m.Dispose();
        _maps.Clear();
    }

    public void Dispose() => Clear();
}
