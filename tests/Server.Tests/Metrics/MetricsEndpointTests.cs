using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Server.Metrics;

namespace Server.Tests.Metrics;

public class MetricsEndpointTests(WebApplicationFactory<Program> factory) : IClassFixture<WebApplicationFactory<Program>>
{
    [Fact]
    public async Task MetricsRouteServesTheExpositionOfTheServersInstruments()
    {
        using HttpClient client = factory.CreateClient();
        factory.Services.GetRequiredService<ServerMetrics>().RequestCompleted("http", "/healthz", "200");

        HttpResponseMessage response = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Exposition scrape = Exposition.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(scrape.Value("align_requests_total{route=\"/healthz\",status=\"200\",transport=\"http\"}") >= 1);
        Assert.True(scrape.HasFamily("process_resident_memory_bytes"));
    }
}
