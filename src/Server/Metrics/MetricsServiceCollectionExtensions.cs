using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace Server.Metrics;

public static class MetricsServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ServerMetrics"/> and the <see cref="PrometheusExporter"/> as singletons; the exported
    /// meters are "Align.Server" plus those listed in the "Metrics" configuration section (Metrics:MeterNames:0, ...).
    /// </summary>
    public static IServiceCollection AddServerMetrics(this IServiceCollection services, Action<PrometheusExporterOptions>? configure = null)
    {
        services.AddMetrics();
        services.AddOptions<PrometheusExporterOptions>().BindConfiguration(PrometheusExporterOptions.Section);
        if (configure is not null) services.Configure(configure);
        services.AddSingleton<ServerMetrics>();
        services.AddSingleton(provider => new PrometheusExporter(
            provider.GetRequiredService<IMeterFactory>(),
            provider.GetRequiredService<IOptions<PrometheusExporterOptions>>(),
            provider.GetRequiredService<ILogger<PrometheusExporter>>()));
        return services;
    }
}
