using Align.Adapters.Store;
using Microsoft.Extensions.Logging;
using Server.Metrics;

namespace Server.Adapters;

/// <summary>Logs and counts what the adapter registries do.</summary>
public sealed class AdapterEvents(ServerMetrics metrics, ILogger<AdapterEvents> logger) : IAdapterEvents
{
    public void Loaded(string model, AdapterVersion version, TimeSpan duration)
    {
        metrics.AdapterLoaded(model, ok: true, duration);
        logger.LogInformation("Adapter {Adapter} version {Version} loaded for model {Model} in {Ms:F0} ms", version.Name, version.Version, model, duration.TotalMilliseconds);
    }

    public void LoadFailed(string model, AdapterVersion version, Exception error)
    {
        metrics.AdapterLoaded(model, ok: false, TimeSpan.Zero);
        logger.LogWarning("Adapter {Adapter} version {Version} refused for model {Model}: {Error}", version.Name, version.Version, model, error.Message);
    }

    public void Swapped(string model, string name, string from, string to)
    {
        metrics.AdapterSwapped(model);
        logger.LogInformation("Adapter {Adapter} hot-swapped on model {Model}: version {From} → {To}", name, model, from, to);
    }

    public void Evicted(string model, string name)
    {
        metrics.AdapterEvicted(model);
        logger.LogInformation("Adapter {Adapter} unloaded from model {Model} to stay within the adapter memory budget", name, model);
    }

    public void Removed(string model, string name) =>
        logger.LogInformation("Adapter {Adapter} left the store; model {Model} unloads it once unused", name, model);
}
