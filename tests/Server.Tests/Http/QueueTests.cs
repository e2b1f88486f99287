using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Server.Metrics;
using Server.Tests.Metrics;

namespace Server.Tests.Http;

/// <summary>The device queue seen through HTTP: back-pressure, deadlines, cancellation and batching.</summary>
public sealed class QueueTests
{
    // A request that keeps the single worker busy for a few seconds, running once its first progress event arrives.
    private static async Task<(Task<HttpResponseMessage> Response, CancellationTokenSource Cancel)> Occupy(InProcessServer server, int steps = 100, int images = 4)
    {
        var cancel = new CancellationTokenSource();
        var request = new HttpRequestMessage(HttpMethod.Post, "/generate/stream")
        {
            Content = JsonContent.Create(InProcessServer.Body("a red circle", steps, 1, images)),
        };
        HttpResponseMessage response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        var seen = new List<string>();
        while (await reader.ReadLineAsync(cancel.Token) is { } line && line != "event: progress") seen.Add(line);
        Assert.True(response.IsSuccessStatusCode && seen.Contains("event: queued"), $"the occupying request did not start: {response.StatusCode} {string.Join('\n', seen)}");
        Task<HttpResponseMessage> rest = Task.Run(async () =>
        {
            // disposing the response is how the test host's client hangs up (RequestAborted on the server)
            await using CancellationTokenRegistration hangUp = cancel.Token.Register(response.Dispose);
            await reader.ReadToEndAsync(cancel.Token);
            return response;
        });
        return (rest, cancel);
    }

    private static async Task AssertTheNextRequestWaitsAtMostAFewSteps(InProcessServer server, string abandoned)
    {
        HttpResponseMessage next = await server.Generate(InProcessServer.Body("a green triangle", WorkerFreed.NextSteps, 1, WorkerFreed.NextImages));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        WorkerFreed.AssertWithinAFewSteps(await InProcessServer.Json(next), abandoned);
    }

    [Fact]
    public async Task AFullQueueRefusesExactlyTheExcessAtOnceWithRetryAfter()
    {
        const int capacity = 3, excess = 2;
        await using var server = await InProcessServer.StartAsync(("Server:Queue:Capacity", $"{capacity}"), ("Server:Queue:MaxBatchImages", "1"));
        (Task<HttpResponseMessage> busy, CancellationTokenSource stopBusy) = await Occupy(server);

        var watch = Stopwatch.StartNew();
        Task<HttpResponseMessage>[] burst = Enumerable.Range(0, capacity + excess)
            .Select(i => server.Generate(InProcessServer.Body("a blue square", 2, i))).ToArray();
        var refusedAt = new List<double>();
        var statuses = new List<HttpStatusCode>();
        Task<HttpResponseMessage>[] timed = burst.Select(async t =>
        {
            HttpResponseMessage r = await t;
            if (r.StatusCode == HttpStatusCode.TooManyRequests) lock (refusedAt) refusedAt.Add(watch.Elapsed.TotalSeconds);
            return r;
        }).ToArray();
        foreach (HttpResponseMessage r in await Task.WhenAll(timed))
        {
            statuses.Add(r.StatusCode);
            if (r.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("1", r.Headers.GetValues("Retry-After").Single());
                JsonElement error = (await InProcessServer.Json(r)).GetProperty("error");
                Assert.Equal("resource_exhausted", error.GetProperty("code").GetString());
            }
        }
        stopBusy.Cancel();
        Assert.Equal(excess, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(capacity, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.All(refusedAt, s => Assert.True(s < 1.0, $"refused after {s:F2} s, not at once"));
    }

    [Fact]
    public async Task ARequestPastItsDeadlineEndsWith504()
    {
        await using var server = await InProcessServer.StartAsync();
        var watch = Stopwatch.StartNew();
        HttpResponseMessage r = await server.Generate(InProcessServer.Body("a red circle", 100, 1, 8), timeoutMs: 300);
        Assert.Equal(HttpStatusCode.GatewayTimeout, r.StatusCode);
        Assert.Equal("deadline_exceeded", (await InProcessServer.Json(r)).GetProperty("error").GetProperty("code").GetString());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
        await AssertTheNextRequestWaitsAtMostAFewSteps(server, "the expired one");
    }

    [Fact]
    public async Task AClientThatCancelsFreesTheWorkerWithinAStep()
    {
        await using var server = await InProcessServer.StartAsync();
        (Task<HttpResponseMessage> busy, CancellationTokenSource cancel) = await Occupy(server, steps: 100, images: 8);
        cancel.Cancel();
        try
        {
            await busy;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // the client's side of the hang-up
        }
        await AssertTheNextRequestWaitsAtMostAFewSteps(server, "the cancelled one");
        Exposition scrape = Exposition.Parse(await server.Client.GetStringAsync("/metrics"));
        Assert.Equal(1, scrape.Value("align_requests_total{route=\"/generate/stream\",status=\"499\",transport=\"http\"}"));
    }

    [Fact]
    public async Task CompatibleRequestsQueuedTogetherRunAsOneBatch()
    {
        await using var server = await InProcessServer.StartAsync(("Server:Queue:MaxBatchImages", "8"));
        (Task<HttpResponseMessage> busy, CancellationTokenSource stopBusy) = await Occupy(server, steps: 60, images: 1);
        // queued behind the busy request: four compatible requests (same size, steps, guidance and sampler; one names the
        // model's own sampler, which changes nothing), one with other steps, one with another sampler
        Task<HttpResponseMessage>[] same = Enumerable.Range(0, 4).Select(i => server.Generate(i == 0
            ? new Dictionary<string, object?> { ["prompt"] = "a red circle 0", ["steps"] = 3, ["seed"] = 10, ["scheduler"] = "euler" }
            : InProcessServer.Body($"a red circle {i}", 3, 10 + i))).ToArray();
        Task<HttpResponseMessage> other = server.Generate(InProcessServer.Body("a red circle", 5, 20));
        Task<HttpResponseMessage> ddim = server.Generate(new Dictionary<string, object?> { ["prompt"] = "a red circle", ["steps"] = 3, ["seed"] = 21, ["scheduler"] = "ddim" });
        HttpResponseMessage[] done = await Task.WhenAll([.. same, other, ddim]);
        stopBusy.Cancel();
        Assert.All(done, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        string metrics = await server.Client.GetStringAsync("/metrics");
        Exposition scrape = Exposition.Parse(metrics);
        // batches: the busy one (1), the four compatible requests together (4), the one with other steps (1), the DDIM one (1)
        Assert.Equal(4, scrape.Value("align_batch_size_count"));
        Assert.Equal(7, scrape.Value("align_batch_size_sum"));
        Assert.Equal(1, scrape.Value("align_batch_size_bucket{le=\"4\"}") - scrape.Value("align_batch_size_bucket{le=\"2\"}"));
    }
}
