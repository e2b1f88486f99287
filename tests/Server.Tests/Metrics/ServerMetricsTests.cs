using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Server.Metrics;

namespace Server.Tests.Metrics;

public class ServerMetricsTests
{
    [Fact]
    public void EveryRecordingMethodShowsUpUnderItsPrometheusName()
    {
        using var host = new ServerMetricsHost();
        ServerMetrics metrics = host.Metrics;

        metrics.RequestCompleted("http", "/generate", "200");
        metrics.RequestCompleted("http", "/generate", "200");
        metrics.RequestCompleted("grpc", "align.v1.GenerationService/Generate", "INVALID_ARGUMENT");
        Assert.Equal(0, host.Scrape().Value("align_requests_in_flight")); // both queue series exist before any request
        metrics.ObserveQueues(() => (1, 3));
        metrics.QueueWait(TimeSpan.FromMilliseconds(30), "best_of_n");
        metrics.Generation(TimeSpan.FromSeconds(1.5), "reno");
        metrics.Batch(3);
        metrics.ImagesGenerated(4, "shapeworld");
        metrics.RewardScore(0.31, "shapeworld-clip");
        metrics.ModelLoaded(TimeSpan.FromSeconds(2), "shapeworld");

        Exposition scrape = host.Scrape();

        Assert.Equal(2, scrape.Value("align_requests_total{route=\"/generate\",status=\"200\",transport=\"http\"}"));
        Assert.Equal(1, scrape.Value("align_requests_total{route=\"align.v1.GenerationService/Generate\",status=\"INVALID_ARGUMENT\",transport=\"grpc\"}"));
        Assert.Contains("# TYPE align_queue_depth gauge", scrape.Comments);
        Assert.Equal(1, scrape.Value("align_queue_depth"));
        Assert.Contains("# TYPE align_requests_in_flight gauge", scrape.Comments);
        Assert.Equal(3, scrape.Value("align_requests_in_flight"));
        Assert.Equal(0, scrape.Value("align_queue_wait_seconds_bucket{method=\"best_of_n\",le=\"0.025\"}"));
        Assert.Equal(1, scrape.Value("align_queue_wait_seconds_bucket{method=\"best_of_n\",le=\"0.05\"}"));
        Assert.Equal(0.03, scrape.Value("align_queue_wait_seconds_sum{method=\"best_of_n\"}"), 12);
        Assert.Equal(1, scrape.Value("align_queue_wait_seconds_bucket{method=\"best_of_n\",le=\"120\"}"));
        Assert.Equal(1.5, scrape.Value("align_generation_duration_seconds_sum{method=\"reno\"}"));
        Assert.Equal(0, scrape.Value("align_batch_size_bucket{le=\"2\"}"));
        Assert.Equal(1, scrape.Value("align_batch_size_bucket{le=\"4\"}"));
        Assert.Equal(1, scrape.Value("align_batch_size_bucket{le=\"64\"}"));
        Assert.Equal(4, scrape.Value("align_images_generated_total{model=\"shapeworld\"}"));
        Assert.Equal(1, scrape.Value("align_reward_score_bucket{reward=\"shapeworld-clip\",le=\"0.4\"}"));
        Assert.Equal(0, scrape.Value("align_reward_score_bucket{reward=\"shapeworld-clip\",le=\"0.3\"}"));
        Assert.Equal(1, scrape.Value("align_model_load_duration_seconds_count{model=\"shapeworld\"}"));
    }

    [Fact]
    public void HistogramsUseTheDeclaredBuckets()
    {
        using var host = new ServerMetricsHost();
        host.Metrics.Batch(1);
        host.Metrics.Generation(TimeSpan.FromSeconds(1), "none");
        host.Metrics.RewardScore(5, "aesthetic");

        Exposition scrape = host.Scrape();

        Assert.Equal(MetricBuckets.BatchSizes.Select(b => (double)b).Append(double.PositiveInfinity),
            scrape.SeriesOf("align_batch_size_bucket").Select(Le));
        Assert.Equal(MetricBuckets.Seconds.Append(double.PositiveInfinity),
            scrape.SeriesOf("align_generation_duration_seconds_bucket").Select(Le));
        Assert.Equal(MetricBuckets.RewardScores.Append(double.PositiveInfinity),
            scrape.SeriesOf("align_reward_score_bucket").Select(Le));
    }

    [Fact]
    public void ProcessGaugesArePresentAndPlausible()
    {
        using var host = new ServerMetricsHost();

        Exposition scrape = host.Scrape();

        Assert.Contains("# TYPE process_resident_memory_bytes gauge", scrape.Comments);
        Assert.InRange(scrape.Value("process_resident_memory_bytes"), 1e6, 1e12);
        Assert.InRange(scrape.Value("dotnet_gc_heap_size_bytes"), 1e3, 1e12);
        double startTime = scrape.Value("process_start_time_seconds");
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - startTime, 0, 24 * 3600);
        if (OperatingSystem.IsLinux()) Assert.InRange(scrape.Value("process_open_fds"), 3, 1e6);
    }

    [Fact]
    public void ConfiguredMetersAreExportedBesidesTheServers()
    {
        using var host = new ServerMetricsHost(new Dictionary<string, string?> { ["Prometheus:MeterNames:0"] = "Extra.Meter" });
        Meter extra = host.Services.GetRequiredService<IMeterFactory>().Create("Extra.Meter");
        extra.CreateCounter<int>("extra.events", description: "Extra events.").Add(7);
        host.Metrics.RequestCompleted("http", "/models", "200");

        Exposition scrape = host.Scrape();

        Assert.Equal(7, scrape.Value("extra_events_total"));
        Assert.Equal(1, scrape.Value("align_requests_total{route=\"/models\",status=\"200\",transport=\"http\"}"));
    }

    private static double Le(string bucketSeries)
    {
        int start = bucketSeries.IndexOf("le=\"", StringComparison.Ordinal) + 4;
        return Exposition.ParseNumber(bucketSeries[start..bucketSeries.IndexOf('"', start)]);
    }
}
