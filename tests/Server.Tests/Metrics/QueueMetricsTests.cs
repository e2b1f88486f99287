using System.Net.Http.Json;
using Server.Tests.Http;

namespace Server.Tests.Metrics;

/// <summary>The autoscaling signals: requests waiting and in flight, exposed from the start and following a real request.</summary>
public sealed class QueueMetricsTests
{
    private static async Task<(double Waiting, double InFlight)> Scrape(InProcessServer server)
    {
        Exposition scrape = Exposition.Parse(await server.Client.GetStringAsync("/metrics"));
        return (scrape.Value("align_queue_depth"), scrape.Value("align_requests_in_flight"));
    }

    [Fact]
    public async Task InFlightCountsARunningRequestUntilItEnds()
    {
        await using InProcessServer server = await InProcessServer.StartAsync(("Server:Limits:MaxSteps", "2000"));
        Assert.Equal((0, 0), await Scrape(server));

        using var cancel = new CancellationTokenSource();
        var stream = new HttpRequestMessage(HttpMethod.Post, "/generate/stream")
        {
            Content = JsonContent.Create(new { prompt = "a red circle", steps = 2000 }),
        };
        HttpResponseMessage response = await server.Client.SendAsync(stream, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        while (await reader.ReadLineAsync(cancel.Token) is { } line && line != "event: progress") { }
        // running on the device, no longer waiting
        Assert.Equal((0, 1), await Scrape(server));

        // the client hangs up: the request ends
        cancel.Cancel();
        reader.Dispose();
        response.Dispose();
        (double, double) now = default;
        for (int i = 0; i < 200 && (now = await Scrape(server)) != (0, 0); i++) await Task.Delay(50);
        Assert.Equal((0, 0), now);
    }
}
