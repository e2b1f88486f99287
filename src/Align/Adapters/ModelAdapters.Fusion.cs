using Torch;

namespace Align.Adapters;

public sealed partial class ModelAdapters
{
    private sealed record FusedState(LoraAdapter Adapter, double Weight, List<(Tensor Weight, Tensor Original)> Originals);

    private FusedState? _fused;

    /// <summary>The adapter fused into the weights, with its weight, or null.</summary>
    public (LoraAdapter Adapter, double Weight)? Fused
    {
        get
        {
            lock (_state) return _fused is { } f ? (f.Adapter, f.Weight) : null;
        }
    }

    /// <summary>
    /// Merges one adapter into the base weights (W += weight · scale · B·A), for speed when every run uses it. The original
    /// weights of the touched layers are kept, so <see cref="Unfuse"/> restores them bit for bit. Activations on top still
    /// work. Refused while an activation is in use or another adapter is fused.
    /// </summary>
    public void Fuse(LoraAdapter adapter, double weight = 1.0)
    {
        if (!double.IsFinite(weight)) throw new ArgumentOutOfRangeException(nameof(weight), weight, "the weight must be finite");
        ObjectDisposedException.ThrowIf(adapter.IsDisposed, adapter);
        Validate(adapter);
        if (!_gate.Wait(0)) throw new InvalidOperationException("an adapter activation of this model is in use: fuse once it ends");
        try
        {
            lock (_state)
                if (_fused is { } other) throw new InvalidOperationException($"adapter '{other.Adapter.Name}' is already fused: unfuse it first");
            adapter.AcquireUse();
            var originals = new List<(Tensor Weight, Tensor Original)>();
            try
            {
                using GradMode noGrad = Autograd.NoGrad();
                foreach ((string key, LoraLayer layer) in adapter.Layers)
                {
                    Tensor w = LayerFit.WeightOf(FindLayer(key)!);
                    originals.Add((w, w.Clone().DetachFromDisposeScope()));
                    using var scope = torch.NewDisposeScope();
                    Tensor merged = w.Float() + layer.DeltaWeight().To(w.Device) * (layer.Scale * weight);
                    w.Copy_(merged.To(w.DType));
                }
            }
            catch
            {
                Restore(originals);
                adapter.ReleaseUse();
                throw;
            }
            lock (_state) _fused = new FusedState(adapter, weight, originals);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Puts back the weights the fused adapter changed, exactly as they were. Refused while an activation is in use.</summary>
    public void Unfuse()
    {
        if (!_gate.Wait(0)) throw new InvalidOperationException("an adapter activation of this model is in use: unfuse once it ends");
        try
        {
            FusedState fused;
            lock (_state)
            {
                fused = _fused ?? throw new InvalidOperationException("no adapter is fused");
                _fused = null;
            }
            Restore(fused.Originals);
            fused.Adapter.ReleaseUse();
        }
        finally
        {
            _gate.Release();
        }
    }

    private static void Restore(List<(Tensor Weight, Tensor Original)> originals)
    {
        using GradMode noGrad = Autograd.NoGrad();
        foreach ((Tensor weight, Tensor original) in originals)
        {
            weight.Copy_(original);
            original.Dispose();
        }
        originals.Clear();
    }
}
