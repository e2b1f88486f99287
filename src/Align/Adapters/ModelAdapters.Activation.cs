using System.Globalization;
using Torch.NN;

namespace Align.Adapters;

public sealed partial class ModelAdapters
{
    // One activation (or fuse/unfuse) at a time per model. A semaphore rather than a monitor: the scope may end on
    // another thread than the one that began it.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly object _state = new();
    private AdapterActivation? _active;

    /// <summary>Applies one adapter at <paramref name="weight"/>; see <see cref="Activate(IEnumerable{ValueTuple{LoraAdapter, double}}, CancellationToken)"/>.</summary>
    public AdapterActivation Activate(LoraAdapter adapter, double weight = 1.0, CancellationToken cancel = default) =>
        Activate([(adapter, weight)], cancel);

    /// <summary>
    /// Applies the adapters, unfused, each at its weight (scale = alpha/r × weight), until the returned scope is disposed:
    /// <c>using (model.Adapters.Activate([(a, 0.8), (b, 0.5)])) pipeline.Generate(...)</c>. Activations of one model are
    /// exclusive: this waits until any other ends, so runs with different adapters never see each other's. A run that must
    /// see the bare base while others may activate adapters holds an empty activation, <c>Activate([])</c>.
    /// The fused adapter may be applied too: its weight then adds to the fused one, so applying it at minus the fused weight
    /// gives the base (up to rounding) without unfusing.
    /// Backward passes through the adapters (training, gradient checkpointing) must run before the scope ends.
    /// </summary>
    /// <exception cref="AdapterMismatchException">an adapter does not fit this model (checked before waiting)</exception>
    /// <exception cref="InvalidOperationException">this thread already holds an activation of this model</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> fired while waiting</exception>
    public AdapterActivation Activate(IEnumerable<(LoraAdapter Adapter, double Weight)> adapters, CancellationToken cancel = default)
    {
        var list = adapters.ToList();
        CheckChoice(list);
        int thread = Environment.CurrentManagedThreadId;
        lock (_state)
            if (_active is { } held && held.HolderThread == thread)
                throw new InvalidOperationException("this thread already holds an adapter activation of this model: end it before starting another (waiting would deadlock)");

        _gate.Wait(cancel);
        var acquired = new List<LoraAdapter>();
        var activation = new AdapterActivation(this, list, thread);
        try
        {
            foreach ((LoraAdapter adapter, _) in list)
            {
                adapter.AcquireUse();
                acquired.Add(adapter);
            }
            Attach(activation);
            lock (_state) _active = activation;
            return activation;
        }
        catch
        {
            Detach(activation);
            foreach (LoraAdapter adapter in acquired) adapter.ReleaseUse();
            _gate.Release();
            throw;
        }
    }

    /// <summary>The adapters applied now, with their weights; empty when none.</summary>
    public IReadOnlyList<(LoraAdapter Adapter, double Weight)> Active
    {
        get
        {
            lock (_state) return _active?.Adapters ?? [];
        }
    }

    /// <summary>
    /// Identifies what the adapters now do to the text encoders ("" when nothing): prompt embeddings computed under one
    /// state are only valid under the same state, so prompt caches key on it.
    /// </summary>
    public string TextEncoderState
    {
        get
        {
            lock (_state)
            {
                var parts = new List<string>();
                if (_fused is { } f && f.Adapter.TouchesTextEncoders) parts.Add(Describe("fused:", f.Adapter, f.Weight));
                foreach ((LoraAdapter adapter, double weight) in _active?.Adapters ?? [])
                    if (weight != 0 && adapter.TouchesTextEncoders) parts.Add(Describe("", adapter, weight));
                return string.Join(",", parts);
            }
        }
    }

    private static string Describe(string prefix, LoraAdapter adapter, double weight) =>
        prefix + adapter.Id.ToString(CultureInfo.InvariantCulture) + ":" + weight.ToString("R", CultureInfo.InvariantCulture);

    private void CheckChoice(List<(LoraAdapter Adapter, double Weight)> adapters)
    {
        var seen = new HashSet<LoraAdapter>(ReferenceEqualityComparer.Instance);
        foreach ((LoraAdapter adapter, double weight) in adapters)
        {
            ArgumentNullException.ThrowIfNull(adapter);
            if (!double.IsFinite(weight)) throw new ArgumentOutOfRangeException(nameof(adapters), weight, $"adapter '{adapter.Name}' weight must be finite");
            if (!seen.Add(adapter)) throw new ArgumentException($"adapter '{adapter.Name}' is given twice", nameof(adapters));
            ObjectDisposedException.ThrowIf(adapter.IsDisposed, adapter);
            Validate(adapter);
        }
    }

    // Sums every adapter that targets a layer into that layer's one branch; weight 0 adds nothing, so the layer stays plain.
    private void Attach(AdapterActivation activation)
    {
        var branches = new Dictionary<Module, LoraBranch>(ReferenceEqualityComparer.Instance);
        foreach ((LoraAdapter adapter, double weight) in activation.Adapters)
        {
            if (weight == 0) continue;
            foreach ((string key, LoraLayer layer) in adapter.Layers)
            {
                Module target = FindLayer(key)!;
                if (!branches.TryGetValue(target, out LoraBranch? branch)) branches[target] = branch = new LoraBranch(target);
                branch.Add(layer, layer.Scale * weight);
            }
        }
        foreach ((Module target, LoraBranch branch) in branches)
        {
            SetBranch(target, branch);
            activation.Attached.Add(target);
        }
    }

    private static void Detach(AdapterActivation activation)
    {
        foreach (Module target in activation.Attached) SetBranch(target, null);
        activation.Attached.Clear();
    }

    private static void SetBranch(Module layer, IParallelBranch? branch)
    {
        if (layer is Linear linear) linear.Branch = branch;
        else ((Conv2d)layer).Branch = branch;
    }

    internal void End(AdapterActivation activation)
    {
        Detach(activation);
        foreach ((LoraAdapter adapter, _) in activation.Adapters) adapter.ReleaseUse();
        lock (_state)
            if (ReferenceEquals(_active, activation)) _active = null;
        _gate.Release();
    }
}
