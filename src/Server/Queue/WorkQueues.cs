using Microsoft.Extensions.Options;
using Server.Metrics;
using Server.Models;

namespace Server.Queue;

/// <summary>One <see cref="DeviceQueue"/> per device that serves a model.</summary>
public sealed class WorkQueues
{
    private readonly ModelCatalog catalog;
    private readonly Dictionary<string, DeviceQueue> _queues;

    public WorkQueues(ModelCatalog catalog, IOptions<QueueOptions> options, ServerMetrics metrics)
    {
        this.catalog = catalog;
        _queues = catalog.Devices.ToDictionary(d => d, d => new DeviceQueue(d, options.Value));
        metrics.ObserveQueues(() => (TotalDepth, _queues.Values.Sum(q => q.Count + q.Running)));
    }

    public IEnumerable<DeviceQueue> All => _queues.Values;

    /// <summary>The queue of the device the model runs on.</summary>
    public DeviceQueue For(string model) =>
        _queues[ModelCatalog.DeviceName(catalog.Find(model)?.Device ?? throw new KeyNotFoundException(model))];

    public int TotalDepth => _queues.Values.Sum(q => q.Count);
}
