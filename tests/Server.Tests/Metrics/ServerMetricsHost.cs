using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Server.Metrics;

namespace Server.Tests.Metrics;

/// <summary>The server's metrics registered as the server registers them (AddServerMetrics), in a container of their own.</summary>
internal sealed class ServerMetricsHost : IDisposable
{
    private readonly ServiceProvider services;

    public ServerMetricsHost(IDictionary<string, string?>? configuration = null)
    {
        var collection = new ServiceCollection();
        collection.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(configuration ?? new Dictionary<string, string?>()).Build());
        collection.AddLogging();
        collection.AddServerMetrics();
        services = collection.BuildServiceProvider();
        Exporter = services.GetRequiredService<PrometheusExporter>();
        Metrics = services.GetRequiredService<ServerMetrics>();
    }

    public IServiceProvider Services => services;

    public ServerMetrics Metrics { get; }
    public PrometheusExporter Exporter { get; }

    public Exposition Scrape() => Exposition.Parse(Exporter.Collect());

    public void Dispose() => services.Dispose();
}
