using Server.Metrics;

namespace Server.Tests.Metrics;

public class PrometheusNamesTests
{
    [Theory]
    [InlineData("align.requests", "{request}", true, false, "align_requests_total")]
    [InlineData("align.queue.depth", "{request}", false, false, "align_queue_depth")]
    [InlineData("align.queue.wait", "s", false, false, "align_queue_wait_seconds")]
    [InlineData("align.generation.duration", "s", false, false, "align_generation_duration_seconds")]
    [InlineData("process.resident_memory", "By", false, true, "process_resident_memory_bytes")]
    [InlineData("align.reward.score", null, false, false, "align_reward_score")]
    [InlineData("http.server.request.duration", "ms", false, false, "http_server_request_duration_milliseconds")]
    [InlineData("network.io", "By", true, false, "network_io_bytes_total")]
    [InlineData("packets", "{packet}/s", false, true, "packets_per_second")]
    [InlineData("throughput", "By/s", false, true, "throughput_bytes_per_second")]
    [InlineData("cpu.utilization", "1", false, true, "cpu_utilization_ratio")]
    [InlineData("cpu.count", "1", true, false, "cpu_count_total")]
    [InlineData("temperature", "Cel", false, true, "temperature_celsius")]
    public void InstrumentNamesAndUnitsBecomePrometheusNames(string name, string? unit, bool counter, bool gauge, string expected) =>
        Assert.Equal(expected, PrometheusNames.MetricName(name, unit, counter, gauge));

    [Theory]
    [InlineData("request.duration.seconds", "s", false, "request_duration_seconds")]
    [InlineData("requests.total", "{request}", true, "requests_total")]
    [InlineData("io_bytes_total", "By", true, "io_bytes_total")]
    [InlineData("seconds", "s", false, "seconds")]
    public void SuffixesAreNotRepeated(string name, string unit, bool counter, string expected) =>
        Assert.Equal(expected, PrometheusNames.MetricName(name, unit, counter, gauge: false));

    [Theory]
    [InlineData("my-meter/requests..count", "my_meter_requests_count")]
    [InlineData("9lives", "_9lives")]
    [InlineData("namespace:metric", "namespace:metric")]
    [InlineData("été", "_t_")]
    public void InvalidCharactersInMetricNamesBecomeUnderscores(string name, string expected) =>
        Assert.Equal(expected, PrometheusNames.MetricName(name, unit: null, monotonicCounter: false, gauge: false));

    [Theory]
    [InlineData("transport", "transport")]
    [InlineData("http.route", "http_route")]
    [InlineData("a..b", "a_b")]
    [InlineData("ns:key", "ns_key")]
    [InlineData("0day", "key_0day")]
    public void LabelNamesAreSanitized(string name, string expected) => Assert.Equal(expected, PrometheusNames.LabelName(name));
}
