using System.Net.Http.Json;
using System.Text.Json;
using Server.Tests.RealProcess;

namespace Server.Tests.Peers;

/// <summary>The real server process driven by a real gRPC client: each scenario runs the client program and checks what it saw.</summary>
public abstract class GrpcClientTests(RealServerFixture fixture, GrpcPeerClient client)
{
    private ServerProcess Server => fixture.Server;

    private Task<JsonElement> Run(string scenario, string? arg = null) => client.RunAsync(Server.GrpcTarget, scenario, arg);

    private static string Code(JsonElement e) => e.GetProperty("code").GetString()!;

    [Fact]
    public async Task GenerateReturnsPngsWithSeedsRewardsAndTimings()
    {
        JsonElement r = await Run("generate");
        Assert.True(Code(r) == "OK", r.ToString());
        JsonElement images = r.GetProperty("images");
        Assert.Equal(2, images.GetArrayLength());
        Assert.Equal(11, images[0].GetProperty("seed").GetInt64());
        Assert.Equal(12, images[1].GetProperty("seed").GetInt64());
        byte[] png = Convert.FromBase64String(images[0].GetProperty("png_base64").GetString()!);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        double clip = images[0].GetProperty("rewards").GetProperty("shapeworld-clip").GetDouble();
        Assert.True(double.IsFinite(clip) && clip != 0, $"shapeworld-clip reward {clip}");
        Assert.Equal("shapeworld", r.GetProperty("model").GetString());
        Assert.Equal(32, r.GetProperty("request_id").GetString()!.Length);
        Assert.Equal("none", r.GetProperty("alignment").GetProperty("method").GetString());
        JsonElement timings = r.GetProperty("timings_ms");
        Assert.True(timings.GetProperty("generate").GetDouble() > 0, r.ToString());
        Assert.True(timings.GetProperty("total").GetDouble() >= timings.GetProperty("generate").GetDouble(), r.ToString());
    }

    [Fact]
    public async Task BestOfNReturnsTheBestCandidateWithTheTrace()
    {
        JsonElement r = await Run("best_of_n");
        Assert.True(Code(r) == "OK", r.ToString());
        JsonElement alignment = r.GetProperty("alignment");
        Assert.Equal("best_of_n", alignment.GetProperty("method").GetString());
        JsonElement[] trace = alignment.GetProperty("trace").EnumerateArray().ToArray();
        Assert.Equal([30L, 31, 32], trace.Select(t => t.GetProperty("seed").GetInt64()));
        long best = trace.MinBy(t => t.GetProperty("loss").GetDouble()).GetProperty("seed").GetInt64();
        Assert.Equal(best, Assert.Single(r.GetProperty("images").EnumerateArray()).GetProperty("seed").GetInt64());
    }

    [Fact]
    public async Task RenoStopsOnceItsTargetRewardIsReached()
    {
        JsonElement r = await Run("reno_target");
        Assert.True(Code(r) == "OK", r.ToString());
        JsonElement alignment = r.GetProperty("alignment");
        Assert.Equal(("reno", 1), (alignment.GetProperty("method").GetString(), alignment.GetProperty("iterations_run").GetInt32()));
        Assert.Single(alignment.GetProperty("trace").EnumerateArray());
    }

    [Fact]
    public async Task StreamSendsQueuedThenProgressThenResult()
    {
        JsonElement r = await Run("stream");
        Assert.True(Code(r) == "OK", r.ToString());
        string[] events = r.GetProperty("events").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(["queued", "progress", "progress", "progress", "progress", "result"], events);
        Assert.Equal(2, r.GetProperty("result").GetProperty("images")[0].GetProperty("seed").GetInt64());
    }

    [Fact]
    public async Task StreamCarriesPreviewsAndBestOfNCandidates()
    {
        JsonElement r = await Run("stream_extras");
        Assert.True(Code(r) == "OK", r.ToString());
        JsonElement[] previews = r.GetProperty("previews").EnumerateArray().ToArray();
        Assert.Equal([2, 4], previews.Select(p => p.GetProperty("step").GetInt32())); // 2 evenly spaced previews of 6 steps
        foreach (JsonElement p in previews)
        {
            string[] pngs = p.GetProperty("png_base64").EnumerateArray().Select(e => e.GetString()!).ToArray();
            Assert.Equal(2, pngs.Length); // one per image
            Assert.All(pngs, png => Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], Convert.FromBase64String(png)[..4]));
        }
        // the candidates streamed are the result's trace, seed for seed and score for score
        JsonElement[] streamed = r.GetProperty("candidates").EnumerateArray().ToArray();
        JsonElement[] trace = r.GetProperty("result").GetProperty("alignment").GetProperty("trace").EnumerateArray().ToArray();
        Assert.Equal([30L, 31, 32], streamed.Select(c => c.GetProperty("seed").GetInt64()));
        Assert.Equal(trace.Select(t => (t.GetProperty("seed").GetInt64(), t.GetProperty("loss").GetDouble())),
            streamed.Select(c => (c.GetProperty("seed").GetInt64(), c.GetProperty("loss").GetDouble())));
    }

    [Fact]
    public async Task TinyDeadlineEndsTheCallWithDeadlineExceeded()
    {
        JsonElement r = await Run("deadline");
        Assert.True(Code(r) == "DEADLINE_EXCEEDED", r.ToString());
        // 100 steps take seconds: the call ended at its deadline, not when the images were done.
        Assert.True(r.GetProperty("seconds").GetDouble() < 2, r.ToString());
    }

    [Fact]
    public async Task CancelMidStreamFreesTheServerForTheNextRequest()
    {
        double cancelledBefore = await ServerMetricsScrape.RequestsAsync(Server.HttpBase, "grpc", "/align.v1.GenerationService/GenerateStream", "CANCELLED");
        JsonElement r = await Run("cancel");
        Assert.True(Code(r) == "CANCELLED", r.ToString());
        string[] events = r.GetProperty("events").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal("queued", events[0]);
        Assert.Contains("progress", events);
        Assert.DoesNotContain("result", events);
        // The cancelled request (100 steps at 128x128) takes about 10 s on this machine's CPU, longer on a loaded one: had it
        // kept the device, the next request would have waited in the queue for it (its own time is no measure of that).
        JsonElement after = r.GetProperty("after");
        Assert.True(Code(after) == "OK", r.ToString());
        Assert.True(after.GetProperty("queue_ms").GetDouble() < 2000, r.ToString());
        Assert.True(await ServerMetricsScrape.RequestsAsync(Server.HttpBase, "grpc", "/align.v1.GenerationService/GenerateStream", "CANCELLED") > cancelledBefore,
            "the server did not count the stream as cancelled");
    }

    [Fact]
    public async Task RequestChoosesTheSamplerAndTheResponseSaysWhichRan()
    {
        JsonElement r = await Run("scheduler");
        JsonElement own = r.GetProperty("own"), euler = r.GetProperty("euler"), ddim = r.GetProperty("ddim"), bad = r.GetProperty("bad");
        foreach (JsonElement ok in new[] { own, euler, ddim }) Assert.True(Code(ok) == "OK", r.ToString());
        Assert.Equal(("euler", "euler", "ddim"), (own.GetProperty("scheduler").GetString(), euler.GetProperty("scheduler").GetString(),
            ddim.GetProperty("scheduler").GetString()));
        static string Png(JsonElement e) => e.GetProperty("images")[0].GetProperty("png_base64").GetString()!;
        Assert.Equal(Png(own), Png(euler)); // naming the model's own sampler is the same run, to the byte
        Assert.NotEqual(Png(own), Png(ddim));
        Assert.True(Code(bad) == "INVALID_ARGUMENT", bad.ToString());
        Assert.Equal("scheduler: unknown scheduler 'dpm' (one of euler, euler_karras, ddim, lcm, dpmpp_2m, dpmpp_2m_karras)", bad.GetProperty("details").GetString());
    }

    [Fact]
    public async Task InvalidArgumentNamesTheField()
    {
        JsonElement r = await Run("invalid");
        Assert.True(Code(r) == "INVALID_ARGUMENT", r.ToString());
        Assert.StartsWith("width: ", r.GetProperty("details").GetString());
    }

    [Fact]
    public async Task UnknownModelIsNotFound()
    {
        JsonElement r = await Run("not_found");
        Assert.True(Code(r) == "NOT_FOUND", r.ToString());
        Assert.Contains("sdxl", r.GetProperty("details").GetString());
    }

    [Fact]
    public async Task HealthCheckAndWatchSayServing()
    {
        JsonElement r = await Run("health");
        Assert.True(Code(r) == "OK", r.ToString());
        Assert.Equal("SERVING", r.GetProperty("check").GetString());
        Assert.Equal("SERVING", r.GetProperty("check_service").GetString());
        Assert.Equal("NOT_FOUND", Code(r.GetProperty("check_unknown")));
        Assert.Equal("SERVING", r.GetProperty("watch_first").GetString());
        Assert.Equal("SERVICE_UNKNOWN", r.GetProperty("watch_unknown_first").GetString());
    }

    [Fact]
    public async Task UnknownMethodOrServiceIsUnimplemented()
    {
        JsonElement r = await Run("unknown_method");
        Assert.Equal("UNIMPLEMENTED", Code(r.GetProperty("method")));
        Assert.Equal("UNIMPLEMENTED", Code(r.GetProperty("service")));
    }

    [Fact]
    public async Task ListModelsAndAdapters()
    {
        JsonElement r = await Run("list_models");
        Assert.True(Code(r) == "OK", r.ToString());
        JsonElement model = r.GetProperty("models")[0];
        Assert.Equal("shapeworld", model.GetProperty("name").GetString());
        Assert.True(model.GetProperty("ready").GetBoolean());
        Assert.Equal(64, model.GetProperty("default_width").GetInt32());
        Assert.Contains("shapeworld-clip", model.GetProperty("rewards").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("euler", model.GetProperty("default_scheduler").GetString());
        Assert.Equal(["euler", "euler_karras", "ddim", "lcm", "dpmpp_2m", "dpmpp_2m_karras"], model.GetProperty("schedulers").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(0, r.GetProperty("adapters").GetInt32());
    }

    [Fact]
    public async Task SameSeedGivesTheSamePngOverHttpAndGrpc()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        HttpResponseMessage response = await http.PostAsJsonAsync(new Uri(Server.HttpBase, "/generate"),
            new { prompt = "two red circles above a blue square", seed = 77, steps = 6 });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        byte[] overHttp = Convert.FromBase64String(json.RootElement.GetProperty("images")[0].GetProperty("png_base64").GetString()!);

        JsonElement r = await Run("seeded_png", "77");
        Assert.True(Code(r) == "OK", r.ToString());
        byte[] overGrpc = Convert.FromBase64String(r.GetProperty("images")[0].GetProperty("png_base64").GetString()!);
        Assert.Equal(overHttp, overGrpc);
    }
}

public sealed class PythonGrpcClientTests(RealServerFixture fixture) : GrpcClientTests(fixture, new PythonGrpcClient()), IClassFixture<RealServerFixture>;

public sealed class NodeGrpcClientTests(RealServerFixture fixture) : GrpcClientTests(fixture, new NodeGrpcClient()), IClassFixture<RealServerFixture>;
