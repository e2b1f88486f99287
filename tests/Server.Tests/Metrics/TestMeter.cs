using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Server.Metrics;

namespace Server.Tests.Metrics;

/// <summary>A meter from its own meter factory and an exporter scoped to that factory, so tests running in parallel stay apart.</summary>
internal sealed class TestMeter : IDisposable
{
    public const string Name = "Test.Metrics";

    private readonly ServiceProvider services;

    public TestMeter()
    {
        services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        Factory = services.GetRequiredService<IMeterFactory>();
        Meter = Factory.Create(Name);
        Exporter = new PrometheusExporter([Name], Factory);
    }

    public IMeterFactory Factory { get; }
    public Meter Meter { get; }
    public PrometheusExporter Exporter { get; }

    public Exposition Scrape() => Exposition.Parse(Exporter.Collect());

    public void Dispose()
    {
        Exporter.Dispose();
        services.Dispose();
    }
}
