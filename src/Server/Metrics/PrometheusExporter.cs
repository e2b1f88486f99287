using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Server.Metrics;

/// <summary>
/// Listens to the instruments of the configured meters, aggregates their measurements and writes them in the
/// Prometheus text format. With a meter factory, only meters that factory created (and process-wide meters made
/// without one) are exported, so several hosts in one process do not see each other's measurements.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    private readonly HashSet<string> meterNames;
    private readonly IMeterFactory? scope;
    private readonly ILogger logger;
    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<Instrument, InstrumentAggregator> aggregators = new();
    private readonly Lock publication = new();
    private readonly Lock collection = new();

    public PrometheusExporter(
        IMeterFactory meterFactory, IOptions<PrometheusExporterOptions> options, ILogger<PrometheusExporter> logger)
        : this(options.Value.MeterNames, meterFactory, logger)
    {
    }

    /// <param name="meterNames">Meters to export.</param>
    /// <param name="scope">When given, meters created by another factory are ignored.</param>
    /// <param name="logger">Told about instruments that cannot be exported.</param>
    public PrometheusExporter(IEnumerable<string> meterNames, IMeterFactory? scope = null, ILogger? logger = null)
    {
        this.meterNames = new HashSet<string>(meterNames, StringComparer.Ordinal);
        this.scope = scope;
        this.logger = logger ?? NullLogger.Instance;

        listener.InstrumentPublished = OnInstrumentPublished;
        listener.MeasurementsCompleted = (instrument, _) => aggregators.TryRemove(instrument, out InstrumentAggregator? _);
        listener.SetMeasurementEventCallback<byte>((_, value, tags, state) => Aggregator(state).Record(value, tags));
        listener.SetMeasurementEventCallback<short>((_, value, tags, state) => Aggregator(state).Record(value, tags));
        listener.SetMeasurementEventCallback<int>((_, value, tags, state) => Aggregator(state).Record(value, tags));
        listener.SetMeasurementEventCallback<long>((_, value, tags, state) => Aggregator(state).Record(value, tags));
        listener.SetMeasurementEventCallback<float>((_, value, tags, state) => Aggregator(state).Record(value, tags));
        listener.SetMeasurementEventCallback<double>((_, value, tags, state) => Aggregator(state).Record(value, tags));
        listener.SetMeasurementEventCallback<decimal>((_, value, tags, state) => Aggregator(state).Record((double)value, tags));
        listener.Start();
    }

    /// <summary>The current exposition, as served at /metrics.</summary>
    public string Collect()
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        WriteTo(text);
        return text.ToString();
    }

    /// <summary>Polls the observable instruments and writes every metric family that has series, ordered by name.</summary>
    public void WriteTo(TextWriter output)
    {
        // One scrape at a time: polling clears and refills the observable instruments' series.
        lock (collection)
        {
            InstrumentAggregator[] families = [.. aggregators.Values.OrderBy(a => a.Name, StringComparer.Ordinal)];
            foreach (InstrumentAggregator aggregator in families) aggregator.BeginCollection();
            try
            {
                listener.RecordObservableInstruments();
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "An observable instrument's callback failed; its values are missing from this scrape");
            }

            var writer = new PrometheusTextWriter(output);
            foreach (InstrumentAggregator aggregator in families)
            {
                if (!aggregator.HasSeries) continue;
                Instrument instrument = aggregator.Instrument;
                // promtool flags a family without help text; the instrument's own name is better than nothing.
                string help = string.IsNullOrEmpty(instrument.Description) ? instrument.Name : instrument.Description;
                writer.WriteFamilyHeader(aggregator.Name, aggregator.Type, help);
                aggregator.WriteSamples(writer);
            }
        }
    }

    private void OnInstrumentPublished(Instrument instrument, MeterListener source)
    {
        Meter meter = instrument.Meter;
        if (!meterNames.Contains(meter.Name)) return;
        if (scope is not null && meter.Scope is not null && !ReferenceEquals(meter.Scope, scope)) return;

        InstrumentAggregator aggregator = InstrumentAggregator.Create(instrument, MetricBuckets.Default);
        lock (publication)
        {
            // Two families with one name would make the exposition invalid: the first instrument keeps the name.
            InstrumentAggregator? holder = aggregators.Values.FirstOrDefault(a => a.Name == aggregator.Name);
            if (holder is not null)
            {
                logger.LogWarning(
                    "Instrument {Instrument} of meter {Meter} is not exported: its Prometheus name {Name} is taken by {Holder} of meter {HolderMeter}",
                    instrument.Name, meter.Name, aggregator.Name, holder.Instrument.Name, holder.Instrument.Meter.Name);
                return;
            }
            aggregators[instrument] = aggregator;
        }
        source.EnableMeasurementEvents(instrument, aggregator);
    }

    private static InstrumentAggregator Aggregator(object? state) => (InstrumentAggregator)state!;

    public void Dispose() => listener.Dispose();
}
