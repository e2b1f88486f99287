namespace Server.Metrics;

/// <summary>Which meters the Prometheus exporter exposes (configuration section "Prometheus"; "Metrics" is the host's own).</summary>
public sealed class PrometheusExporterOptions
{
    public const string Section = "Prometheus";

    /// <summary>Names of the meters whose instruments are exported; configuration binding adds to the default.</summary>
    public List<string> MeterNames { get; set; } = [ServerMetrics.MeterName];
}
