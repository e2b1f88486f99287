using System.Diagnostics.Metrics;

namespace Server.Metrics;

/// <summary>Histograms: per label set, a count per bucket, the sum and the count of observations.</summary>
internal sealed class HistogramAggregator : InstrumentAggregator<HistogramAggregator.Series>
{
    private readonly double[] bounds;

    public HistogramAggregator(Instrument instrument, string name, IEnumerable<double> bucketBounds)
        : base(instrument, name, "histogram")
    {
        bounds = bucketBounds.Where(double.IsFinite).Distinct().Order().ToArray();
    }

    public IReadOnlyList<double> Bounds => bounds;

    /// <summary>The bucket bounds the instrument declared through <see cref="InstrumentAdvice{T}"/>, if any.</summary>
    public static IReadOnlyList<double>? AdvisedBuckets(Instrument instrument) => instrument switch
    {
        Instrument<byte> i => i.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        Instrument<short> i => i.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        Instrument<int> i => i.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        Instrument<long> i => i.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        Instrument<float> i => i.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        Instrument<double> i => i.Advice?.HistogramBucketBoundaries?.ToArray(),
        Instrument<decimal> i => i.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        _ => null,
    };

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        SeriesFor(tags).Observe(BucketOf(value), value);

    /// <summary>The first bucket whose upper bound is at least the value; the +Inf bucket is bounds.Length.</summary>
    private int BucketOf(double value)
    {
        if (double.IsNaN(value)) return bounds.Length;
        int index = Array.BinarySearch(bounds, value);
        return index >= 0 ? index : ~index;
    }

    protected override Series CreateSeries() => new(bounds.Length + 1);

    public override void WriteSamples(PrometheusTextWriter writer)
    {
        string bucketName = Name + "_bucket", sumName = Name + "_sum", countName = Name + "_count";
        foreach (var (labels, series) in SortedSeries())
        {
            var (counts, sum) = series.Snapshot();
            long cumulative = 0;
            for (int i = 0; i < bounds.Length; i++)
            {
                cumulative += counts[i];
                writer.WriteSample(bucketName, labels, cumulative, le: bounds[i]);
            }
            cumulative += counts[^1];
            writer.WriteSample(bucketName, labels, cumulative, le: double.PositiveInfinity);
            writer.WriteSample(sumName, labels, sum);
            writer.WriteSample(countName, labels, cumulative);
        }
    }

    /// <summary>One label set's buckets; a lock keeps the buckets and the sum of a snapshot consistent.</summary>
    public sealed class Series(int buckets)
    {
        private readonly Lock gate = new();
        private readonly long[] counts = new long[buckets];
        private double sum;

        public void Observe(int bucket, double value)
        {
            lock (gate)
            {
                counts[bucket]++;
                sum += value;
            }
        }

        public (long[] Counts, double Sum) Snapshot()
        {
            lock (gate) return ((long[])counts.Clone(), sum);
        }
    }
}
