using Align.Adapters;
using Align.Adapters.Store;
using Microsoft.Extensions.Options;
using Server.Api;
using Server.Generation;
using Server.Metrics;
using Server.Models;
using Torch;

namespace Server.Adapters;

/// <summary>
/// The adapters every served model can use: one <see cref="AdapterRegistry{T}"/> per model over the one adapter store
/// (an adapter is loaded, validated and placed on each model's device separately; one that does not fit a model is
/// refused for that model). The watcher refreshes them; runs lease from them; the routes list, load and unload.
/// </summary>
public sealed class AdapterCatalog : IDisposable
{
    private readonly AdapterOptions _options;
    private readonly ModelCatalog _models;
    private readonly AdapterEvents _events;
    private readonly Dictionary<string, AdapterRegistry<LoraAdapter>> _registries = new(StringComparer.Ordinal);
    private readonly object _lock = new();

    public AdapterCatalog(IOptions<AdapterOptions> options, ModelCatalog models, AdapterEvents events, ServerMetrics metrics)
    {
        _options = options.Value;
        _models = models;
        _events = events;
        Store = string.IsNullOrEmpty(_options.Store) ? null : new AdapterStore(_options.Store);
        metrics.ObserveAdapterBytes(() => { lock (_lock) return _registries.Select(r => (r.Key, r.Value.LoadedBytes)).ToArray(); });
    }

    /// <summary>The store watched, or null when none is configured.</summary>
    public AdapterStore? Store { get; }

    /// <summary>The registry of a loaded model (created on first use), or null while the model is not loaded.</summary>
    public AdapterRegistry<LoraAdapter>? For(string modelName)
    {
        ServedModel? model = _models.Get(modelName);
        if (model is null) return null;
        lock (_lock)
        {
            if (!_registries.TryGetValue(modelName, out AdapterRegistry<LoraAdapter>? registry))
            {
                registry = new AdapterRegistry<LoraAdapter>(modelName, version => Load(model, version), Bytes,
                    (long)_options.MaxLoadedMiB << 20, _events, adapter => new Dictionary<string, string>(adapter.Metadata));
                _registries[modelName] = registry;
            }
            return registry;
        }
    }

    /// <summary>The registries of every loaded model.</summary>
    public IReadOnlyList<AdapterRegistry<LoraAdapter>> Loaded() =>
        _models.Configured.Select(m => For(m.Name)).OfType<AdapterRegistry<LoraAdapter>>().ToArray();

    /// <summary>Leases a request's adapters on its model; ServiceException not_found / invalid_argument naming the adapter otherwise.</summary>
    public AdapterLease<LoraAdapter>? Lease(string model, IReadOnlyList<AdapterChoice> choices)
    {
        if (choices.Count == 0) return null;
        AdapterRegistry<LoraAdapter> registry = For(model) ?? throw new ServiceException(ErrorCode.Unavailable, $"model {model} is not loaded");
        try
        {
            return registry.Acquire(choices.Select(c => (c.Name, c.Weight)).ToArray());
        }
        catch (KeyNotFoundException e)
        {
            throw new ServiceException(ErrorCode.NotFound, e.Message, Field(choices, e.Message));
        }
        catch (InvalidDataException e)
        {
            throw new ServiceException(ErrorCode.InvalidArgument, e.Message, Field(choices, e.Message));
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (AdapterRegistry<LoraAdapter> registry in _registries.Values) registry.Dispose();
            _registries.Clear();
        }
    }

    // Verifies the files against the manifest, reads and validates the adapter for the model, then moves it to the model's device and precision.
    private static LoraAdapter Load(ServedModel model, AdapterVersion version)
    {
        AdapterStore.Verify(version);
        LoraAdapter adapter = model.Model.Adapters.Load(version.Directory, version.Name);
        try
        {
            DType dtype = model.Model.UNet.Parameters().First().DType;
            return adapter.To(model.Device, dtype);
        }
        catch
        {
            adapter.Dispose();
            throw;
        }
    }

    private static long Bytes(LoraAdapter adapter) => adapter.Parameters().Sum(p => p.NumEl * p.ElementSize);

    private static string Field(IReadOnlyList<AdapterChoice> choices, string message)
    {
        int index = choices.ToList().FindIndex(c => message.Contains($"'{c.Name}'", StringComparison.Ordinal));
        return $"adapters[{Math.Max(0, index)}].name";
    }
}
