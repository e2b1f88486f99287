using Align.Adapters.Store;
using Server.Api;
using Server.Models;

namespace Server.Adapters;

/// <summary>What both transports offer on adapters: the list, and loading or unloading one on a model now.</summary>
public sealed class AdapterService(AdapterCatalog catalog, AdapterFusion fusion, ModelCatalog models)
{
    /// <summary>Every adapter any loaded model knows, with its state on each model.</summary>
    public IReadOnlyList<AdapterDescription> List()
    {
        var byName = new SortedDictionary<string, (AdapterStatus Newest, List<AdapterModelState> States)>(StringComparer.Ordinal);
        foreach (var registry in catalog.Loaded())
            foreach (AdapterStatus s in registry.List())
            {
                if (!byName.TryGetValue(s.Version.Name, out var entry)) byName[s.Version.Name] = entry = (s, []);
                if (s.Version.Number > entry.Newest.Version.Number) byName[s.Version.Name] = entry = (s, entry.States);
                entry.States.Add(State(registry.Model, s));
            }
        return byName.Values.Select(e => Describe(e.Newest, e.States)).ToArray();
    }

    /// <summary>Loads the adapter on the model (the default one when null) now; not_found / invalid_argument otherwise.</summary>
    public AdapterDescription Load(string name, string? model)
    {
        var registry = Registry(model);
        try
        {
            AdapterStatus status = registry.Load(name);
            return Describe(status, [State(registry.Model, status)]);
        }
        catch (KeyNotFoundException e)
        {
            throw new ServiceException(ErrorCode.NotFound, e.Message, "name");
        }
        catch (InvalidDataException e)
        {
            throw new ServiceException(ErrorCode.InvalidArgument, e.Message, "name");
        }
    }

    /// <summary>Unloads the adapter's weights from the model (they reload on the next request that names it).</summary>
    public AdapterDescription Unload(string name, string? model)
    {
        var registry = Registry(model);
        if (!registry.Unload(name)) throw new ServiceException(ErrorCode.NotFound, $"adapter '{name}' is not in the adapter store", "name");
        AdapterStatus status = registry.Status(name)!;
        return Describe(status, [State(registry.Model, status)]);
    }

    private AdapterRegistry<Align.Adapters.LoraAdapter> Registry(string? model)
    {
        if (catalog.Store is null) throw new ServiceException(ErrorCode.Unavailable, "no adapter store is configured (Server:Adapters:Store)");
        string name = model ?? models.DefaultModel;
        if (models.Find(name) is null) throw new ServiceException(ErrorCode.NotFound, $"model '{name}' is not served here", "model");
        return catalog.For(name) ?? throw new ServiceException(ErrorCode.Unavailable, $"model {name} is not loaded yet");
    }

    private AdapterModelState State(string model, AdapterStatus s) =>
        new(model, s.Version.Version, s.Loaded, s.Bytes, s.InUse, s.Error, fusion.FusedVersion(model, s.Version.Name));

    // The publisher's annotations, completed by what the adapter's own metadata says (method, base model, metrics…).
    private static AdapterDescription Describe(AdapterStatus s, IReadOnlyList<AdapterModelState> states)
    {
        var annotations = new Dictionary<string, string>(s.Version.Annotations);
        foreach ((string key, string value) in s.Metadata) annotations.TryAdd(key, value);
        return new(s.Version.Name, s.Version.Version, s.Version.PublishedAt, annotations, states);
    }
}

/// <summary>An adapter as clients see it: its newest version, what the publisher recorded (method, base model, metrics), and its state per model.</summary>
public sealed record AdapterDescription(string Name, string Version, DateTimeOffset PublishedAt, IReadOnlyDictionary<string, string> Annotations,
    IReadOnlyList<AdapterModelState> Models);

/// <summary>
/// One model's state of an adapter: the version it serves, whether loaded, bytes, runs using it (its fusion counts as
/// one), why a version was refused, and the version fused into the model's weights (Server:Models:N:FusedAdapter).
/// </summary>
public sealed record AdapterModelState(string Model, string Version, bool Loaded, long Bytes, int InUse, string? Error, string? FusedVersion);
