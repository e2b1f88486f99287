using System.Diagnostics.Metrics;

namespace Server.Metrics;

/// <summary>
/// Gauges and observable instruments: the last value per label set. Observable instruments are polled at each
/// scrape, and a label set their callback no longer reports disappears.
/// </summary>
internal sealed class LastValueAggregator(Instrument instrument, string name, string type)
    : InstrumentAggregator<DoubleCell>(instrument, name, type)
{
    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) => SeriesFor(tags).Set(value);

    protected override DoubleCell CreateSeries() => new();

    public override void BeginCollection()
    {
        if (Instrument.IsObservable) ClearSeries();
    }

    public override void WriteSamples(PrometheusTextWriter writer)
    {
        foreach (var (labels, last) in SortedSeries()) writer.WriteSample(Name, labels, last.Value);
    }
}
