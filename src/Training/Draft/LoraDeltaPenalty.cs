using Align.Adapters;
using Torch;

namespace Training.Draft;

/// <summary>An L2 penalty on what a LoRA adds to the base weights, in the graph of its A and B tensors.</summary>
public static class LoraDeltaPenalty
{
    /// <summary>Σ over the adapter's layers of ‖scale·B·A‖² (the squared Frobenius norm of each layer's weight delta); a scalar.</summary>
    public static Tensor Compute(LoraAdapter adapter)
    {
        using var scope = torch.NewDisposeScope();
        Tensor? total = null;
        foreach (LoraLayer layer in adapter.Layers.Values)
        {
            // B·A in the base weight's layout, flattened: [out, in] for linear layers, [out, in·kh·kw] for convolutions
            Tensor delta = (layer.IsConv ? layer.B.Flatten(1).Mm(layer.A.Flatten(1)) : layer.B.Mm(layer.A)) * layer.Scale;
            Tensor squared = delta.Square().Sum();
            total = total is null ? squared : total + squared;
        }
        return (total ?? throw new ArgumentException($"adapter '{adapter.Name}' has no layers", nameof(adapter))).MoveToOuterScope();
    }
}
