using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace Server.Metrics;

public static class MetricsServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ServerMetrics"/> and the <see cref="PrometheusExporter"/> as singletons; the exported
    /// meters are "Align.Server" plus those listed in the "Prometheus" configuration section (Prometheus:MeterNames:0, ...).
    /// </summary>
    public static IServiceCollection AddServerMetrics(
        this IServiceCollection services, Action<PrometheusExporterOptions>? configure = null)
    {
        services.AddMetrics();
        services.AddOptions<PrometheusExporterOptions>().BindConfiguration(PrometheusExporterOptions.Section);
        if (configure is not null) services.Configure(configure);
        services.AddSingleton<ServerMetrics>();
        // Constructed explicitly: with the exporter's second constructor the container's choice would be ambiguous.
        services.AddSingleton(provider => new PrometheusExporter(
            provider.GetRequiredService<IMeterFactory>(),
            provider.GetRequiredService<IOptions<PrometheusExporterOptions>>(),
            provider.GetRequiredService<ILogger<PrometheusExporter>>()));
        return services;
    }
}
