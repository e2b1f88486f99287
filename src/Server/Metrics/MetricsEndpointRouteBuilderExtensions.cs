namespace Server.Metrics;

public static class MetricsEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves the Prometheus text exposition at <paramref name="pattern"/>. The exporter and
    /// <see cref="ServerMetrics"/> are created here, at startup, so that the first scrape already shows the process
    /// gauges and no measurement made before it is missed.
    /// </summary>
    public static IEndpointConventionBuilder MapPrometheusMetrics(this IEndpointRouteBuilder endpoints, string pattern = "/metrics")
    {
        PrometheusExporter exporter = endpoints.ServiceProvider.GetRequiredService<PrometheusExporter>();
        endpoints.ServiceProvider.GetRequiredService<ServerMetrics>();
        return endpoints.MapGet(pattern, () => Results.Text(exporter.Collect(), PrometheusTextWriter.ContentType));
    }
}
