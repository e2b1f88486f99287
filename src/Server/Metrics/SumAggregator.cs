using System.Diagnostics.Metrics;

namespace Server.Metrics;

/// <summary>Counters and up-down counters: the running sum per label set.</summary>
internal sealed class SumAggregator(Instrument instrument, string name, string type, bool monotonic)
    : InstrumentAggregator<DoubleCell>(instrument, name, type)
{
    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        // A Prometheus counter never decreases; a negative increment to a monotonic counter is a caller's bug.
        if (monotonic && !(value >= 0)) return;
        SeriesFor(tags).Add(value);
    }

    protected override DoubleCell CreateSeries() => new();

    public override void WriteSamples(PrometheusTextWriter writer)
    {
        foreach (var (labels, sum) in SortedSeries()) writer.WriteSample(Name, labels, sum.Value);
    }
}
