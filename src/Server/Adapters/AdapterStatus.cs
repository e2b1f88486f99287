using Align.Adapters.Store;

namespace Server.Adapters;

/// <summary>What a model's registry knows of one adapter: its current version, whether its weights are loaded, the requests using it, and the last load error.</summary>
public sealed record AdapterStatus(AdapterVersion Version, bool Loaded, long Bytes, int InUse, string? Error)
{
    /// <summary>The metadata the adapter's own files carry (method, base model, metrics…), known once it has been loaded.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}
