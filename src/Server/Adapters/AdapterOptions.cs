namespace Server.Adapters;

/// <summary>The adapter store the server watches, bound from "Server:Adapters".</summary>
public sealed class AdapterOptions
{
    public const string Section = "Server:Adapters";

    /// <summary>The store directory (in Kubernetes a mounted volume); unset: no adapters are served.</summary>
    public string? Store { get; set; }

    /// <summary>How often the store's manifests are read for new, changed and deleted adapters.</summary>
    public double PollSeconds { get; set; } = 2;

    /// <summary>Adapter weights kept loaded per model; beyond it the least recently used unused adapters are unloaded (and reloaded on demand).</summary>
    public int MaxLoadedMiB { get; set; } = 1024;
}
