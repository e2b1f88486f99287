using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Server.Metrics;

/// <summary>
/// Aggregates one instrument's measurements per label set and writes them as one Prometheus metric family.
/// Recording is thread-safe; writing may run concurrently with recording.
/// </summary>
internal abstract class InstrumentAggregator(Instrument instrument, string name, string type)
{
    public Instrument Instrument => instrument;

    /// <summary>The Prometheus metric family name.</summary>
    public string Name => name;

    /// <summary>The Prometheus type: counter, gauge or histogram.</summary>
    public string Type => type;

    public abstract void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    /// <summary>Called before the observable instruments are polled for a scrape.</summary>
    public virtual void BeginCollection() { }

    public abstract bool HasSeries { get; }

    /// <summary>Writes the samples of every series, ordered by label set.</summary>
    public abstract void WriteSamples(PrometheusTextWriter writer);

    /// <summary>The aggregation that suits the instrument's kind.</summary>
    public static InstrumentAggregator Create(Instrument instrument, IReadOnlyList<double> defaultBuckets)
    {
        string name = PrometheusNames.MetricName(instrument);
        Type kind = instrument.GetType().GetGenericTypeDefinition();
        if (kind == typeof(Counter<>)) return new SumAggregator(instrument, name, "counter", monotonic: true);
        if (kind == typeof(UpDownCounter<>)) return new SumAggregator(instrument, name, "gauge", monotonic: false);
        if (kind == typeof(Histogram<>))
            return new HistogramAggregator(instrument, name, HistogramAggregator.AdvisedBuckets(instrument) ?? defaultBuckets);
        // Observable counters report their running total, so like gauges they keep the last value reported.
        if (kind == typeof(ObservableCounter<>)) return new LastValueAggregator(instrument, name, "counter");
        return new LastValueAggregator(instrument, name, "gauge");
    }
}

/// <summary>The series bookkeeping shared by the aggregations: one <typeparamref name="TSeries"/> per label set.</summary>
internal abstract class InstrumentAggregator<TSeries>(Instrument instrument, string name, string type)
    : InstrumentAggregator(instrument, name, type) where TSeries : class
{
    private readonly ConcurrentDictionary<LabelSet, TSeries> series = new();

    public override bool HasSeries => !series.IsEmpty;

    protected TSeries SeriesFor(ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        series.GetOrAdd(LabelSet.From(tags), static (_, self) => self.CreateSeries(), this);

    protected abstract TSeries CreateSeries();

    protected IEnumerable<KeyValuePair<LabelSet, TSeries>> SortedSeries() => series.ToArray().OrderBy(p => p.Key);

    protected void ClearSeries() => series.Clear();
}
