using System.Diagnostics.Metrics;
using Server.Metrics;

namespace Server.Tests.Metrics;

public class PrometheusExporterTests
{
    [Fact]
    public void CounterIsWrittenWithTypeHelpAndTotalSuffix()
    {
        using var test = new TestMeter();
        Counter<long> requests = test.Meter.CreateCounter<long>("test.requests", "{request}", "Requests served.");
        requests.Add(2, new KeyValuePair<string, object?>("route", "/generate"));
        requests.Add(3, new KeyValuePair<string, object?>("route", "/generate"));

        Exposition scrape = test.Scrape();

        Assert.Contains("# HELP test_requests_total Requests served.", scrape.Comments);
        Assert.Contains("# TYPE test_requests_total counter", scrape.Comments);
        Assert.Equal(5, scrape.Value("test_requests_total{route=\"/generate\"}"));
    }

    [Fact]
    public void TwoTagSetsBecomeTwoSeriesOrderedByLabels()
    {
        using var test = new TestMeter();
        Counter<long> requests = test.Meter.CreateCounter<long>("test.requests", description: "Requests.");
        requests.Add(1, new("status", "429"), new("route", "/generate"));
        requests.Add(4, new("route", "/generate"), new("status", "200"));
        requests.Add(1, new("status", "200"), new("route", "/generate"));

        Exposition scrape = test.Scrape();

        Assert.Equal(
            ["test_requests_total{route=\"/generate\",status=\"200\"}", "test_requests_total{route=\"/generate\",status=\"429\"}"],
            scrape.SeriesOf("test_requests_total"));
        Assert.Equal(5, scrape.Value("test_requests_total{route=\"/generate\",status=\"200\"}"));
        Assert.Equal(1, scrape.Value("test_requests_total{route=\"/generate\",status=\"429\"}"));
    }

    [Fact]
    public void LabelValuesAndHelpAreEscaped()
    {
        using var test = new TestMeter();
        Counter<int> counter = test.Meter.CreateCounter<int>("test.escapes", description: "Help with a \\ and a\nnew line.");
        counter.Add(1, new KeyValuePair<string, object?>("prompt", "a \"red\" C:\\cube\nline two"));

        Exposition scrape = test.Scrape();

        Assert.Contains("# HELP test_escapes_total Help with a \\\\ and a\\nnew line.", scrape.Comments);
        Assert.Equal(1, scrape.Value("test_escapes_total{prompt=\"a \\\"red\\\" C:\\\\cube\\nline two\"}"));
    }

    [Fact]
    public void TagValuesOfOtherTypesAreFormattedInvariantly()
    {
        using var test = new TestMeter();
        Counter<int> counter = test.Meter.CreateCounter<int>("test.typed", description: "Typed tags.");
        counter.Add(1, new("flag", true), new("ratio", 0.5), new("count", 12000), new("none", null));

        Exposition scrape = test.Scrape();

        Assert.Equal(1, scrape.Value("test_typed_total{count=\"12000\",flag=\"true\",none=\"\",ratio=\"0.5\"}"));
    }

    [Fact]
    public void TagsWhoseNamesSanitizeAlikeAreJoined()
    {
        using var test = new TestMeter();
        Counter<int> counter = test.Meter.CreateCounter<int>("test.clash", description: "Clashing tags.");
        counter.Add(1, new("a_b", "second"), new("a.b", "first"));

        Assert.Equal(1, test.Scrape().Value("test_clash_total{a_b=\"first;second\"}"));
    }

    [Fact]
    public void HistogramBucketsAreCumulativeAndEndAtInfinityWithTheCount()
    {
        using var test = new TestMeter();
        Histogram<double> wait = test.Meter.CreateHistogram("test.wait", "s", "Waits.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1, 10] });
        double[] observations = [0.05, 0.1, 0.5, 2, 3, 50];
        foreach (double seconds in observations) wait.Record(seconds, new KeyValuePair<string, object?>("method", "reno"));

        Exposition scrape = test.Scrape();

        Assert.Contains("# TYPE test_wait_seconds histogram", scrape.Comments);
        Assert.Equal(
        [
            "test_wait_seconds_bucket{method=\"reno\",le=\"0.1\"}", "test_wait_seconds_bucket{method=\"reno\",le=\"1\"}",
            "test_wait_seconds_bucket{method=\"reno\",le=\"10\"}", "test_wait_seconds_bucket{method=\"reno\",le=\"+Inf\"}",
            "test_wait_seconds_sum{method=\"reno\"}", "test_wait_seconds_count{method=\"reno\"}",
        ], scrape.Samples.Select(s => s.Series).Where(s => s.StartsWith("test_wait_seconds")));
        Assert.Equal(2, scrape.Value("test_wait_seconds_bucket{method=\"reno\",le=\"0.1\"}")); // a bound belongs to its bucket
        Assert.Equal(3, scrape.Value("test_wait_seconds_bucket{method=\"reno\",le=\"1\"}"));
        Assert.Equal(5, scrape.Value("test_wait_seconds_bucket{method=\"reno\",le=\"10\"}"));
        Assert.Equal(6, scrape.Value("test_wait_seconds_bucket{method=\"reno\",le=\"+Inf\"}"));
        Assert.Equal(6, scrape.Value("test_wait_seconds_count{method=\"reno\"}"));
        Assert.Equal(observations.Sum(), scrape.Value("test_wait_seconds_sum{method=\"reno\"}"), 12);
    }

    [Fact]
    public void HistogramWithoutAdviceUsesTheDefaultBuckets()
    {
        using var test = new TestMeter();
        Histogram<long> sizes = test.Meter.CreateHistogram<long>("test.sizes", description: "Sizes.");
        sizes.Record(3);

        Exposition scrape = test.Scrape();

        IEnumerable<string> bounds = MetricBuckets.Default.Select(PrometheusTextWriter.FormatNumber).Append("+Inf");
        Assert.Equal(bounds.Select(le => $"test_sizes_bucket{{le=\"{le}\"}}"),
            scrape.Samples.Select(s => s.Series).Where(s => s.StartsWith("test_sizes_bucket")));
        Assert.Equal(0, scrape.Value("test_sizes_bucket{le=\"2.5\"}"));
        Assert.Equal(1, scrape.Value("test_sizes_bucket{le=\"5\"}"));
        Assert.Equal(3, scrape.Value("test_sizes_sum"));
    }

    [Fact]
    public void ObservableGaugesArePolledAtEachScrape()
    {
        using var test = new TestMeter();
        long memory = 1024;
        test.Meter.CreateObservableGauge("test.memory", () => memory, "By", "Memory.");
        test.Meter.CreateObservableCounter("test.ticks", () => new Measurement<long>(memory / 2, new KeyValuePair<string, object?>("kind", "tick")),
            description: "Ticks.");

        Exposition first = test.Scrape();
        memory = 4096;
        Exposition second = test.Scrape();

        Assert.Contains("# TYPE test_memory_bytes gauge", first.Comments);
        Assert.Equal(1024, first.Value("test_memory_bytes"));
        Assert.Equal(4096, second.Value("test_memory_bytes"));
        Assert.Contains("# TYPE test_ticks_total counter", second.Comments);
        Assert.Equal(2048, second.Value("test_ticks_total{kind=\"tick\"}"));
    }

    [Fact]
    public void UpDownCounterIsAGaugeOfItsSum()
    {
        using var test = new TestMeter();
        UpDownCounter<int> depth = test.Meter.CreateUpDownCounter<int>("test.queue.depth", "{request}", "Queue depth.");
        depth.Add(3);
        depth.Add(-1);

        Exposition scrape = test.Scrape();

        Assert.Contains("# TYPE test_queue_depth gauge", scrape.Comments);
        Assert.Equal(2, scrape.Value("test_queue_depth"));
    }

    [Fact]
    public void SpecialValuesAreWrittenAsPrometheusSpellsThem()
    {
        using var test = new TestMeter();
        test.Meter.CreateObservableGauge("test.special", () => new[]
        {
            new Measurement<double>(double.PositiveInfinity, new KeyValuePair<string, object?>("v", "pos")),
            new Measurement<double>(double.NegativeInfinity, new KeyValuePair<string, object?>("v", "neg")),
            new Measurement<double>(double.NaN, new KeyValuePair<string, object?>("v", "nan")),
            new Measurement<double>(1e-7, new KeyValuePair<string, object?>("v", "tiny")),
            new Measurement<double>(12345678.5, new KeyValuePair<string, object?>("v", "big")),
        }, description: "Special values.");

        Exposition scrape = test.Scrape();

        Assert.Equal("+Inf", scrape.RawValue("test_special{v=\"pos\"}"));
        Assert.Equal("-Inf", scrape.RawValue("test_special{v=\"neg\"}"));
        Assert.Equal("NaN", scrape.RawValue("test_special{v=\"nan\"}"));
        Assert.Equal("1E-07", scrape.RawValue("test_special{v=\"tiny\"}"));
        Assert.Equal("12345678.5", scrape.RawValue("test_special{v=\"big\"}"));
    }

    [Fact]
    public void FamiliesAreOrderedByNameAndEmptyOnesAreLeftOut()
    {
        using var test = new TestMeter();
        test.Meter.CreateCounter<int>("test.zeta", description: "Z.").Add(1);
        test.Meter.CreateCounter<int>("test.alpha", description: "A.").Add(1);
        test.Meter.CreateCounter<int>("test.unused", description: "Never recorded.");

        Exposition scrape = test.Scrape();

        Assert.Equal(["test_alpha_total", "test_zeta_total"], scrape.Samples.Select(s => s.Series));
        Assert.False(scrape.HasFamily("test_unused_total"));
    }

    [Fact]
    public async Task ConcurrentRecordingSumsExactly()
    {
        using var test = new TestMeter();
        Counter<long> counter = test.Meter.CreateCounter<long>("test.concurrent", description: "Concurrent adds.");
        Histogram<double> histogram = test.Meter.CreateHistogram<double>("test.concurrent.values", description: "Concurrent records.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1] });
        const int threads = 8, perThread = 20_000;

        using var scraping = new CancellationTokenSource();
        Task scraper = Task.Run(() =>
        {
            while (!scraping.IsCancellationRequested) test.Exporter.Collect();
        });
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, thread =>
        {
            var tag = new KeyValuePair<string, object?>("parity", thread % 2 == 0 ? "even" : "odd");
            for (int i = 0; i < perThread; i++)
            {
                counter.Add(1, tag);
                histogram.Record(i % 2 == 0 ? 0.5 : 2.0, tag);
            }
        });
        scraping.Cancel();
        await scraper;

        Exposition scrape = test.Scrape();
        foreach (string parity in new[] { "even", "odd" })
        {
            Assert.Equal(threads / 2 * perThread, scrape.Value($"test_concurrent_total{{parity=\"{parity}\"}}"));
            Assert.Equal(threads / 2 * perThread, scrape.Value($"test_concurrent_values_count{{parity=\"{parity}\"}}"));
            Assert.Equal(threads / 2 * perThread / 2, scrape.Value($"test_concurrent_values_bucket{{parity=\"{parity}\",le=\"1\"}}"));
            Assert.Equal(threads / 2 * perThread / 2 * 2.5, scrape.Value($"test_concurrent_values_sum{{parity=\"{parity}\"}}"));
        }
    }

    [Fact]
    public void OnlyTheNamedMetersOfTheExportersOwnFactoryAreExported()
    {
        using var test = new TestMeter();
        using var other = new TestMeter();
        test.Meter.CreateCounter<int>("test.mine", description: "Mine.").Add(1);
        other.Meter.CreateCounter<int>("test.theirs", description: "Theirs.").Add(1);
        Meter unlisted = test.Factory.Create("Test.Unlisted");
        unlisted.CreateCounter<int>("test.unlisted", description: "Unlisted.").Add(1);

        Exposition scrape = test.Scrape();

        Assert.Equal(["test_mine_total"], scrape.Samples.Select(s => s.Series));
    }

    [Fact]
    public void ASecondInstrumentWithTheSameExportedNameIsNotExported()
    {
        using var test = new TestMeter();
        test.Meter.CreateCounter<int>("test.dup", description: "First.").Add(1);
        test.Meter.CreateCounter<int>("test_dup", description: "Second.").Add(5);

        Exposition scrape = test.Scrape();

        Assert.Equal(1, scrape.Value("test_dup_total"));
        Assert.Single(scrape.Comments, c => c.StartsWith("# TYPE test_dup_total"));
    }
}
