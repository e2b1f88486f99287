namespace Server.Metrics;

/// <summary>Which meters the Prometheus exporter exposes (configuration section "Metrics").</summary>
public sealed class PrometheusExporterOptions
{
    public const string Section = "Metrics";

    /// <summary>Names of the meters whose instruments are exported; configuration binding adds to the default.</summary>
    public List<string> MeterNames { get; set; } = [ServerMetrics.MeterName];
}
