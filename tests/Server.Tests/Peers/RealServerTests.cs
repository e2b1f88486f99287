using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Server.Tests.Metrics;
using Server.Tests.RealProcess;

namespace Server.Tests.Peers;

/// <summary>The real server process: client hang-ups, graceful shutdown on SIGTERM, the API key, and its /metrics under promtool.</summary>
public sealed class RealServerTests
{
    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task ACurlThatGivesUpFreesTheWorker()
    {
        await using ServerProcess server = await ServerProcess.StartAsync();
        // 100 steps of 8 images take several seconds here; curl hangs up after one
        Tool.Result gaveUp = await Tool.RunAsync("curl", ["-sS", "--max-time", "1", "-X", "POST", $"{server.HttpBase}generate",
            "-H", "Content-Type: application/json", "-d", """{"prompt": "a red circle", "steps": 100, "num_images": 8}"""]);
        Assert.Equal(28, gaveUp.ExitCode); // curl: operation timed out
        using var client = new HttpClient { BaseAddress = server.HttpBase };
        HttpResponseMessage next = await client.PostAsync("/generate",
            Json($$"""{"prompt": "a blue square", "steps": {{WorkerFreed.NextSteps}}, "num_images": {{WorkerFreed.NextImages}}}"""));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        using JsonDocument doc = JsonDocument.Parse(await next.Content.ReadAsStringAsync());
        WorkerFreed.AssertWithinAFewSteps(doc.RootElement, "the abandoned one");
    }

    [Fact]
    public async Task SigtermStopsAdmittingAndLetsInFlightWorkFinish()
    {
        // a grace long enough for a loaded CI machine: this test is about finishing, the next one about the grace running out
        await using ServerProcess server = await ServerProcess.StartAsync(("Server__Queue__ShutdownTimeoutSeconds", "120"));
        using var client = new HttpClient { BaseAddress = server.HttpBase, Timeout = TimeSpan.FromMinutes(3) };
        StreamReader reader = await StreamUntilFirstProgress(client, """{"prompt": "a red circle", "steps": 30, "num_images": 2}""");

        Task<int> exited = server.StopAsync(TimeSpan.FromSeconds(150));
        await PollUntil(() => server.Log.Contains("shutting down: no new requests"));
        // a new request is refused: Kestrel no longer accepts connections, or the queue answers 503
        using (var fresh = new HttpClient { BaseAddress = server.HttpBase })
        {
            try
            {
                HttpResponseMessage refused = await fresh.PostAsync("/generate", Json("""{"prompt": "a blue square", "steps": 2}"""));
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            }
            catch (HttpRequestException e) when (e.InnerException is System.Net.Sockets.SocketException)
            {
            }
        }

        string rest = await reader.ReadToEndAsync();
        Assert.Contains("event: result", rest);
        Assert.Equal(0, await exited);
    }

    [Fact]
    public async Task WorkStillRunningWhenTheGraceEndsGetsAnErrorNotAReset()
    {
        await using ServerProcess server = await ServerProcess.StartAsync(("Server__Queue__ShutdownTimeoutSeconds", "2"), ("Server__Limits__MaxSteps", "1000"));
        using var client = new HttpClient { BaseAddress = server.HttpBase, Timeout = TimeSpan.FromMinutes(1) };
        // a thousand steps of 8 images: far longer than the 2 s grace
        StreamReader reader = await StreamUntilFirstProgress(client, """{"prompt": "a red circle", "steps": 1000, "num_images": 8}""");
        var watch = Stopwatch.StartNew();
        Task<int> exited = server.StopAsync(TimeSpan.FromSeconds(40));

        string rest = await reader.ReadToEndAsync();
        Assert.True(rest.Contains("event: error"), $"the stream ended with:\n{rest}\nserver log:\n{server.Log}");
        Assert.Contains("the server shut down before the request finished", rest);
        Assert.DoesNotContain("event: result", rest);
        Assert.Equal(0, await exited);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(12), $"exit took {watch.Elapsed} after a 2 s grace");
    }

    private static async Task<StreamReader> StreamUntilFirstProgress(HttpClient client, string body)
    {
        var stream = new HttpRequestMessage(HttpMethod.Post, "/generate/stream") { Content = Json(body) };
        HttpResponseMessage inFlight = await client.SendAsync(stream, HttpCompletionOption.ResponseHeadersRead);
        if (!inFlight.IsSuccessStatusCode) Assert.Fail($"{inFlight.StatusCode}: {await inFlight.Content.ReadAsStringAsync()}");
        var reader = new StreamReader(await inFlight.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
            if (line == "event: progress") return reader;
        throw new InvalidOperationException("the stream ended before its first progress event");
    }

    [Fact]
    public async Task TheApiKeyGuardsTheApiButNotProbesOrMetrics()
    {
        await using ServerProcess server = await ServerProcess.StartAsync(("Server__ApiKey", "s3cret-key"));
        using var client = new HttpClient { BaseAddress = server.HttpBase };
        HttpResponseMessage none = await client.PostAsync("/generate", Json("""{"prompt": "a red circle", "steps": 2}"""));
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Contains("unauthenticated", await none.Content.ReadAsStringAsync());
        var wrong = new HttpRequestMessage(HttpMethod.Get, "/models");
        wrong.Headers.Add("X-API-Key", "s3cret-kex");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(wrong)).StatusCode);
        var bearer = new HttpRequestMessage(HttpMethod.Post, "/generate") { Content = Json("""{"prompt": "a red circle", "steps": 2}""") };
        bearer.Headers.Authorization = new("Bearer", "s3cret-key");
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(bearer)).StatusCode);
        foreach (string open in new[] { "/healthz", "/readyz", "/metrics" })
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(open)).StatusCode);
    }

    [Fact]
    public async Task PromtoolAcceptsTheRealServersMetricsAfterTraffic()
    {
        await using ServerProcess server = await ServerProcess.StartAsync();
        using var client = new HttpClient { BaseAddress = server.HttpBase };
        await client.PostAsync("/generate", Json("""{"prompt": "a red circle", "steps": 2, "num_images": 2}"""));
        await client.PostAsync("/generate", Json("""{"prompt": "a red circle", "width": 63}"""));
        string metrics = await client.GetStringAsync("/metrics");
        Tool.Result check = await Tool.RunAsync(PrometheusPackage.Promtool, ["check", "metrics"], stdin: metrics);
        Assert.True(check.ExitCode == 0 && check.Stdout.Trim().Length == 0 && check.Stderr.Trim().Length == 0, $"{check}\n{metrics}");
        Exposition scrape = Exposition.Parse(metrics);
        Assert.Equal(1, scrape.Value("align_requests_total{route=\"/generate\",status=\"400\",transport=\"http\"}"));
        Assert.Equal(2, scrape.Value("align_images_generated_total{model=\"shapeworld\"}"));
        Assert.Equal(1, scrape.Value("align_generation_duration_seconds_count{method=\"none\"}"));
        Assert.Equal(1, scrape.Value("align_model_load_duration_seconds_count{model=\"shapeworld\"}"));
        Assert.Equal(2, scrape.Value("align_reward_score_count{reward=\"shapeworld-clip\"}"));
        Assert.Equal(0, scrape.Value("align_queue_depth"));
    }

    [Fact]
    public async Task NativeMemoryStaysFlatOverManyRequests()
    {
        await using ServerProcess server = await ServerProcess.StartAsync();
        using var client = new HttpClient { BaseAddress = server.HttpBase };
        string[] prompts = ["a red circle", "two blue squares", "a green triangle to the left of a yellow circle", "three purple circles"];
        async Task<(double Rss, double LiveTensors, double Finalized)> Window(int count)
        {
            int next = -1;
            await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
            {
                for (int i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
                {
                    string body = $$"""{"prompt": "{{prompts[i % prompts.Length]}}", "steps": 2, "seed": {{i}}, "num_images": {{1 + i % 2}}}""";
                    HttpResponseMessage r = await client.PostAsync("/generate", Json(body));
                    Assert.Equal(HttpStatusCode.OK, r.StatusCode);
                }
            }));
            Exposition scrape = Exposition.Parse(await client.GetStringAsync("/metrics"));
            return (ResidentMiB(server.ProcessId), scrape.Value("align_torch_live_tensors"), scrape.Value("align_torch_finalized_tensors_total"));
        }
        var warm = await Window(100); // allocator arenas, prompt cache, JIT
        var middle = await Window(150);
        var end = await Window(150);
        string seen = $"RSS {warm.Rss:F0} → {middle.Rss:F0} → {end.Rss:F0} MiB, live tensors {warm.LiveTensors} → {middle.LiveTensors} → {end.LiveTensors}, finalized {end.Finalized}";
        // Every tensor a request makes is released by its dispose scope: none left behind, none left to the finalizer.
        Assert.True(middle.LiveTensors == warm.LiveTensors && end.LiveTensors == warm.LiveTensors, seen);
        Assert.True(end.Finalized == 0, seen);
        // RSS moves by tens of MiB with the allocator and the GC; a leaked activation per request would add hundreds.
        Assert.True(end.Rss - middle.Rss < 48, seen);
    }

    private static double ResidentMiB(int pid)
    {
        string line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
    }

    private static async Task PollUntil(Func<bool> done)
    {
        for (int i = 0; i < 200 && !done(); i++) await Task.Delay(50);
        Assert.True(done(), "the condition did not come true within 10 s");
    }
}
