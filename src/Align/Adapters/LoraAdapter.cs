using Align.Adapters.Formats;
using Torch;
using Torch.NN;

namespace Align.Adapters;

/// <summary>
/// A LoRA adapter: a named set of low-rank pairs, one per target layer, keyed by the layer's component and path in the
/// diffusers layout (<c>unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q</c>,
/// <c>text_encoder.text_model.encoder.layers.0.self_attn.q_proj</c>, <c>text_encoder_2....</c>), plus free-form metadata.
/// Read one with <see cref="ModelAdapters.Load"/>, create a trainable one with <see cref="ModelAdapters.CreateTrainable"/>,
/// apply it with <see cref="ModelAdapters.Activate(IEnumerable{ValueTuple{LoraAdapter, double}}, CancellationToken)"/>,
/// write it with <see cref="Save"/>. Owns its tensors; disposing it while a run uses it frees them when that run ends.
/// </summary>
public sealed class LoraAdapter : IDisposable
{
    private static long s_nextId;

    private readonly ModuleList<LoraLayer> _modules = new();
    private readonly Dictionary<string, LoraLayer> _layers = new(StringComparer.Ordinal);
    private readonly object _useLock = new();
    private int _uses;
    private bool _disposeRequested;
    private bool _freed;
    private readonly string[] _components;

    /// <param name="layers">target key (component.path) → pair; the adapter takes ownership of the pairs</param>
    public LoraAdapter(string name, IEnumerable<KeyValuePair<string, LoraLayer>> layers, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        foreach ((string key, LoraLayer layer) in layers)
        {
            AdapterKeys.Split(key); // refuses keys without a component
            if (!_layers.TryAdd(key, layer)) throw new ArgumentException($"layer '{key}' is given twice", nameof(layers));
            _modules.Add(layer);
        }
        _components = _layers.Keys.Select(k => AdapterKeys.Split(k).Component).Distinct().Order(StringComparer.Ordinal).ToArray();
        TouchesTextEncoders = _components.Any(AdapterKeys.IsTextEncoder);
        Metadata = metadata is null ? new(StringComparer.Ordinal) : new(metadata, StringComparer.Ordinal);
    }

    public string Name { get; }

    /// <summary>Unique in this process: two adapters of the same name (an old and a reloaded one) are told apart by it.</summary>
    public long Id { get; } = Interlocked.Increment(ref s_nextId);

    /// <summary>The pairs by target key (<c>component.path</c>).</summary>
    public IReadOnlyDictionary<string, LoraLayer> Layers => _layers;

    /// <summary>Free-form string metadata, written to and read from the file header; see <see cref="AdapterMetadata"/> for the well-known keys.</summary>
    public Dictionary<string, string> Metadata { get; }

    /// <summary>The model components the adapter changes (<c>unet</c>, <c>text_encoder</c>, <c>text_encoder_2</c>).</summary>
    public IReadOnlyList<string> Components => _components;

    /// <summary>Whether the adapter changes a text encoder (so prompt embeddings differ while it is applied).</summary>
    public bool TouchesTextEncoders { get; }

    /// <summary>The largest rank of any layer (layers may differ, e.g. PEFT's <c>rank_pattern</c>).</summary>
    public int Rank => _layers.Count == 0 ? 0 : _layers.Values.Max(l => l.Rank);

    public bool IsDisposed
    {
        get
        {
            lock (_useLock) return _disposeRequested;
        }
    }

    /// <summary>The layers as one module (keys <c>N.A</c>, <c>N.B</c> in layer order): what a training checkpoint saves and restores.</summary>
    public Module Module => _modules;

    /// <summary>Every A and B tensor: what an optimiser trains.</summary>
    public IEnumerable<Tensor> Parameters() => _modules.Parameters();

    /// <summary>Marks the tensors as trainable (true) or not; returns this.</summary>
    public LoraAdapter RequiresGrad_(bool requiresGrad = true)
    {
        _modules.RequiresGrad_(requiresGrad);
        return this;
    }

    /// <summary>Training mode turns on each layer's dropout; returns this.</summary>
    public LoraAdapter Train(bool mode = true)
    {
        _modules.Train(mode);
        return this;
    }

    /// <summary>
    /// Moves (and casts, when <paramref name="dtype"/> is given) every tensor in place: the tensor objects stay the same, so
    /// an optimiser holding them keeps working. Refused while a run uses the adapter.
    /// </summary>
    public LoraAdapter To(Device device, DType? dtype = null)
    {
        lock (_useLock)
        {
            ObjectDisposedException.ThrowIf(_disposeRequested, this);
            if (_uses > 0) throw new InvalidOperationException($"adapter '{Name}' is in use (active or fused): it cannot be moved now");
            if (dtype is DType d) _modules.To(device, d);
            else _modules.To(device);
        }
        return this;
    }

    /// <summary>
    /// The tensors under the keys diffusers and PEFT write (<c>unet.….to_q.lora_A.weight</c>, <c>….lora_B.weight</c>);
    /// detached handles on the adapter's own storage.
    /// </summary>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var state = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        foreach ((string key, LoraLayer layer) in _layers.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            state[key + ".lora_A.weight"] = layer.A.Detach();
            state[key + ".lora_B.weight"] = layer.B.Detach();
        }
        return state;
    }

    /// <summary>
    /// Writes the adapter as a PEFT/diffusers directory: <c>adapter_config.json</c> and <c>adapter_model.safetensors</c>
    /// (see <see cref="LoraWriter"/>), with <see cref="Metadata"/> in both.
    /// </summary>
    public void Save(string directory) => LoraWriter.Save(this, directory);

    internal void AcquireUse()
    {
        lock (_useLock)
        {
            ObjectDisposedException.ThrowIf(_disposeRequested, this);
            _uses++;
        }
    }

    internal void ReleaseUse()
    {
        lock (_useLock)
        {
            _uses--;
            if (_uses == 0 && _disposeRequested) Free();
        }
    }

    /// <summary>Frees the tensors now, or when the last run using the adapter ends.</summary>
    public void Dispose()
    {
        lock (_useLock)
        {
            _disposeRequested = true;
            if (_uses == 0) Free();
        }
    }

    private void Free()
    {
        if (_freed) return;
        _freed = true;
        _modules.Dispose();
    }

    public override string ToString() => $"{Name} ({_layers.Count} layers, rank {Rank})";
}
