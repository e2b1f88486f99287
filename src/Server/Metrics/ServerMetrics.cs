using System.Diagnostics.Metrics;

namespace Server.Metrics;

/// <summary>
/// The server's instruments, on the meter "Align.Server", and one recording method per event. A singleton:
/// the meter comes from <see cref="IMeterFactory"/>, which owns and disposes it.
/// Queue depth and requests in flight are read from the queues when a scrape collects (<see cref="ObserveQueues"/>), so
/// both series exist from the start.
/// </summary>
public sealed class ServerMetrics
{
    public const string MeterName = "Align.Server";

    private readonly Counter<long> requests;
    private readonly Histogram<double> queueWait;
    private readonly Histogram<double> generationDuration;
    private readonly Histogram<int> batchSize;
    private readonly Counter<long> imagesGenerated;
    private readonly Histogram<double> rewardScore;
    private readonly Histogram<double> modelLoadDuration;
    private readonly Histogram<int> alignmentIterations;
    private readonly Histogram<double> alignmentRewardGain;
    private readonly Histogram<double> alignmentIterationDuration;
    private readonly Counter<long> adapterLoads;
    private readonly Histogram<double> adapterLoadDuration;
    private readonly Counter<long> adapterSwaps;
    private readonly Counter<long> adapterEvictions;

    public ServerMetrics(IMeterFactory meterFactory)
    {
        Meter meter = meterFactory.Create(MeterName);

        requests = meter.CreateCounter<long>("align.requests", "{request}",
            "Requests completed, by transport (http, grpc), route and status (HTTP status code or gRPC status name).");
        meter.CreateObservableGauge("align.queue.depth", () => observeQueues().Waiting, "{request}",
            "Requests waiting in the generation queues.");
        meter.CreateObservableGauge("align.requests.in_flight", () => observeQueues().InFlight, "{request}",
            "Requests admitted and not finished: waiting in the queues or running on a device.");
        queueWait = meter.CreateHistogram("align.queue.wait", "s",
            "Time a request waited in the queue before a worker took it, by alignment method.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = MetricBuckets.Seconds });
        generationDuration = meter.CreateHistogram("align.generation.duration", "s",
            "Time spent generating a request's images, alignment included, by alignment method.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = MetricBuckets.Seconds });
        batchSize = meter.CreateHistogram("align.batch.size", "{request}",
            "Requests per batch a worker ran together.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = MetricBuckets.BatchSizes });
        imagesGenerated = meter.CreateCounter<long>("align.images.generated", "{image}",
            "Images generated, by model.");
        rewardScore = meter.CreateHistogram<double>("align.reward.score", unit: null,
            "Reward scores of returned images, by reward model (each reward has its own scale).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = MetricBuckets.RewardScores });
        modelLoadDuration = meter.CreateHistogram("align.model.load.duration", "s",
            "Time taken to load a model, by model.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = MetricBuckets.Seconds });

        alignmentIterations = meter.CreateHistogram("align.alignment.iterations", "{iteration}",
            "Iterations (ReNO) or candidates (best-of-n) an aligned request ran, by method.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = MetricBuckets.Iterations });
        alignmentRewardGain = meter.CreateHistogram<double>("align.alignment.reward_gain", unit: null,
            "Weighted reward of the returned image minus that of the first iterate or candidate, by method.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = MetricBuckets.RewardGains });
        alignmentIterationDuration = meter.CreateHistogram("align.alignment.iteration.duration", "s",
            "Time per ReNO iteration or best-of-n candidate, by method.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = MetricBuckets.Seconds });

        adapterLoads = meter.CreateCounter<long>("align.adapter.loads", "{load}",
            "Adapter loads, by model and result (ok, failed: the version was refused and the previous one kept serving).");
        adapterLoadDuration = meter.CreateHistogram("align.adapter.load.duration", "s",
            "Time to read, validate and place an adapter's weights on the model's device, by model.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = MetricBuckets.Seconds });
        adapterSwaps = meter.CreateCounter<long>("align.adapter.hot_swaps", "{swap}",
            "New versions of adapters swapped in while serving, by model.");
        adapterEvictions = meter.CreateCounter<long>("align.adapter.evictions", "{eviction}",
            "Adapters unloaded to stay within the loaded-weights budget, by model.");

        meter.CreateObservableGauge("process.resident_memory", () => Environment.WorkingSet, "By",
            "Resident set size of the server process.");
        meter.CreateObservableGauge("dotnet.gc.heap_size", () => GC.GetTotalMemory(forceFullCollection: false), "By",
            "Bytes currently thought to be allocated on the managed heap.");
        double startTime = ProcessStats.StartTimeUnixSeconds();
        meter.CreateObservableGauge("process.start_time", () => startTime, "s",
            "Start time of the server process since the Unix epoch.");
        meter.CreateObservableGauge("process.open_fds", OpenFileDescriptors, "{file_descriptor}",
            "Open file descriptors of the server process.");
        meter.CreateObservableGauge("align.torch.live_tensors", () => Torch.Tensor.LiveCount, "{tensor}",
            "Tensors holding native memory now (model weights, caches, requests in flight); flat when the server is steady.");
        meter.CreateObservableGauge("align.adapter.loaded_bytes", AdapterBytes, "By",
            "Adapter weights loaded on each model's device.");
        meter.CreateObservableCounter("align.torch.finalized_tensors", () => Torch.Tensor.FinalizedCount, "{tensor}",
            "Tensors released by the garbage collector's finalizer instead of a dispose scope (a missed dispose; should stay 0).");
    }

    /// <summary>An aligned request finished: how many iterations (or candidates) it ran, what it gained, and its time per iteration.</summary>
    public void AlignmentRun(string method, int iterations, double rewardGain, TimeSpan perIteration)
    {
        var tag = new KeyValuePair<string, object?>("method", method);
        alignmentIterations.Record(iterations, tag);
        if (double.IsFinite(rewardGain)) alignmentRewardGain.Record(rewardGain, tag);
        alignmentIterationDuration.Record(perIteration.TotalSeconds, tag);
    }

    public void RequestCompleted(string transport, string route, string status) =>
        requests.Add(1, new("transport", transport), new("route", route), new("status", status));

    /// <summary>Reports the requests waiting and in flight (waiting or running), read when metrics are collected.</summary>
    public void ObserveQueues(Func<(int Waiting, int InFlight)> read) => observeQueues = read;

    private Func<(int Waiting, int InFlight)> observeQueues = () => (0, 0);

    public void QueueWait(TimeSpan wait, string method) =>
        queueWait.Record(wait.TotalSeconds, new KeyValuePair<string, object?>("method", method));

    public void Generation(TimeSpan duration, string method) =>
        generationDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("method", method));

    public void Batch(int size) => batchSize.Record(size);

    public void ImagesGenerated(int count, string model) =>
        imagesGenerated.Add(count, new KeyValuePair<string, object?>("model", model));

    public void RewardScore(double score, string reward) =>
        rewardScore.Record(score, new KeyValuePair<string, object?>("reward", reward));

    public void ModelLoaded(TimeSpan duration, string model) =>
        modelLoadDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("model", model));

    public void AdapterLoaded(string model, bool ok, TimeSpan duration)
    {
        adapterLoads.Add(1, new("model", model), new("result", ok ? "ok" : "failed"));
        if (ok) adapterLoadDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("model", model));
    }

    public void AdapterSwapped(string model) => adapterSwaps.Add(1, new KeyValuePair<string, object?>("model", model));

    public void AdapterEvicted(string model) => adapterEvictions.Add(1, new KeyValuePair<string, object?>("model", model));

    /// <summary>Reports the bytes of adapter weights each model holds, read when metrics are collected.</summary>
    public void ObserveAdapterBytes(Func<IEnumerable<(string Model, long Bytes)>> read) => observeAdapterBytes = read;

    private Func<IEnumerable<(string Model, long Bytes)>> observeAdapterBytes = () => [];

    private IEnumerable<Measurement<long>> AdapterBytes() =>
        observeAdapterBytes().Select(m => new Measurement<long>(m.Bytes, new KeyValuePair<string, object?>("model", m.Model)));

    private static IEnumerable<Measurement<long>> OpenFileDescriptors()
    {
        if (ProcessStats.OpenFileDescriptors() is long count) yield return new Measurement<long>(count);
    }
}
