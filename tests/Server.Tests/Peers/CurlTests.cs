using System.Text.Json;
using Server.Tests.RealProcess;

namespace Server.Tests.Peers;

/// <summary>The real server process driven by curl: JSON and PNG generation, errors, streaming, probes.</summary>
public sealed class CurlTests(RealServerFixture server) : IClassFixture<RealServerFixture>
{
    private Task<Tool.Result> Curl(params string[] args) => Tool.RunAsync("curl", ["-sS", .. args], installHint: "apt-get install curl");

    [Fact]
    public async Task GenerateReturnsPngsWithSeedsRewardsAndTimings()
    {
        Tool.Result r = await Curl("-X", "POST", $"{server.Server.HttpBase}generate", "-H", "Content-Type: application/json",
            "-d", """{"prompt": "a red circle", "seed": 11, "num_images": 2, "steps": 8}""", "-w", "\n%{http_code}");
        string[] parts = r.Stdout.Split('\n');
        Assert.True(parts[^1] == "200", r.ToString());
        using JsonDocument doc = JsonDocument.Parse(parts[0]);
        JsonElement images = doc.RootElement.GetProperty("images");
        Assert.Equal(2, images.GetArrayLength());
        Assert.Equal(11, images[0].GetProperty("seed").GetInt64());
        Assert.Equal(12, images[1].GetProperty("seed").GetInt64());
        byte[] png = Convert.FromBase64String(images[0].GetProperty("png_base64").GetString()!);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.True(images[0].GetProperty("rewards").TryGetProperty("shapeworld-clip", out _), parts[0][..200]);
        JsonElement timings = doc.RootElement.GetProperty("timings_ms");
        Assert.True(timings.GetProperty("generate").GetDouble() > 0);
        Assert.True(timings.GetProperty("total").GetDouble() >= timings.GetProperty("generate").GetDouble());
        Assert.Equal(32, doc.RootElement.GetProperty("request_id").GetString()!.Length);
        Assert.Equal("euler", doc.RootElement.GetProperty("scheduler").GetString()); // the model's own sampler
    }

    [Fact]
    public async Task SchedulerPicksTheSampler()
    {
        async Task<JsonElement> Generate(string body)
        {
            Tool.Result r = await Curl("-X", "POST", $"{server.Server.HttpBase}generate", "-H", "Content-Type: application/json", "-d", body, "-w", "\n%{http_code}");
            string[] parts = r.Stdout.Split('\n');
            Assert.True(parts[^1] == "200", r.ToString());
            using JsonDocument doc = JsonDocument.Parse(parts[0]);
            return doc.RootElement.Clone();
        }
        JsonElement own = await Generate("""{"prompt": "a blue square", "seed": 9, "steps": 6}""");
        JsonElement karras = await Generate("""{"prompt": "a blue square", "seed": 9, "steps": 6, "scheduler": "euler_karras"}""");
        Assert.Equal("euler_karras", karras.GetProperty("scheduler").GetString());
        Assert.NotEqual(own.GetProperty("images")[0].GetProperty("png_base64").GetString(), karras.GetProperty("images")[0].GetProperty("png_base64").GetString());
    }

    [Fact]
    public async Task AcceptImagePngReturnsTheFirstImageWithMetadataHeaders()
    {
        using var temp = new TempDirectory("curl");
        string file = Path.Combine(temp.Path, "out.png");
        Tool.Result r = await Curl("-X", "POST", $"{server.Server.HttpBase}generate", "-H", "Content-Type: application/json", "-H", "Accept: image/png",
            "-d", """{"prompt": "a blue square", "seed": 4, "steps": 6}""", "-D", "-", "-o", file);
        Assert.Contains("content-type: image/png", r.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("x-seed: 4", r.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("x-request-id:", r.Stdout, StringComparison.OrdinalIgnoreCase);
        (string mode, int w, int h, _, _) = Align.Tests.Imaging.Pillow.Decode(await File.ReadAllBytesAsync(file));
        Assert.Equal(("RGB", 64, 64), (mode, w, h));
    }

    [Fact]
    public async Task BadRequestsGetTheirStatusAndTheFieldAtFault()
    {
        (string body, int status, string code, string? field)[] cases =
        [
            ("""{"prompt": "a red circle", "width": 63}""", 400, "invalid_argument", "width"),
            ("""{"prompt": "a red circle", "steps": 0}""", 400, "invalid_argument", "steps"),
            ("""{"width": 64}""", 400, "invalid_argument", "prompt"),
            ("""{"prompt": "a red circle", "widht": 64}""", 400, "invalid_argument", "widht"),
            ("""{"prompt": "a red circle", "steps": "many"}""", 400, "invalid_argument", "steps"),
            ("""{"prompt": "a red circle", "model": "sdxl"}""", 404, "not_found", "model"),
            ("""{"prompt": "a red circle", "alignment": {"method": "attend_excite", "token_indices": [0]}}""", 400, "invalid_argument", "alignment.token_indices"),
            ("""{"prompt": "a red circle", "alignment": {"method": "reno", "rewards": {"shapeworld-verifier": 1}}}""", 400, "invalid_argument", "alignment.rewards.shapeworld-verifier"),
            ("""{"prompt": "a red circle", "alignment": {"method": "best_of_n", "n": 1000}}""", 400, "invalid_argument", "alignment.n"),
            ("""{"prompt": "a red circle", "alignment": {"method": "best_of_n", "iterations": 3}}""", 400, "invalid_argument", "alignment.iterations"),
            ("""{"prompt": "a red circle", "alignment": {"method": "magic"}}""", 400, "invalid_argument", "alignment.method"),
            ("""{"prompt": "a red circle", "adapters": [{"name": "dpo-shapes", "weight": 0.8}]}""", 404, "not_found", "adapters[0].name"),
            ("""{"prompt": "a red circle", "num_images": 100}""", 400, "invalid_argument", "num_images"),
            ("""{"prompt": "a red circle", "scheduler": "dpm++"}""", 400, "invalid_argument", "scheduler"),
        ];
        foreach ((string body, int status, string code, string? field) in cases)
        {
            Tool.Result r = await Curl("-X", "POST", $"{server.Server.HttpBase}generate", "-H", "Content-Type: application/json", "-d", body, "-w", "\n%{http_code}");
            string[] parts = r.Stdout.Split('\n');
            Assert.True(parts[^1] == status.ToString(), $"{body}: {r}");
            using JsonDocument doc = JsonDocument.Parse(parts[0]);
            JsonElement error = doc.RootElement.GetProperty("error");
            Assert.Equal(code, error.GetProperty("code").GetString());
            Assert.Equal(field, error.TryGetProperty("field", out JsonElement f) ? f.GetString() : null);
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        }
    }

    [Fact]
    public async Task StreamSendsQueuedProgressAndResultEvents()
    {
        Tool.Result r = await Curl("-N", "-X", "POST", $"{server.Server.HttpBase}generate/stream", "-H", "Content-Type: application/json",
            "-d", """{"prompt": "a green triangle", "seed": 2, "steps": 4}""");
        string[] events = r.Stdout.Split('\n').Where(l => l.StartsWith("event: ", StringComparison.Ordinal)).Select(l => l[7..]).ToArray();
        Assert.Equal(["queued", "progress", "progress", "progress", "progress", "result"], events);
        string result = r.Stdout.Split('\n').Last(l => l.StartsWith("data: ", StringComparison.Ordinal))[6..];
        using JsonDocument doc = JsonDocument.Parse(result);
        Assert.Equal(2, doc.RootElement.GetProperty("images")[0].GetProperty("seed").GetInt64());
    }

    [Fact]
    public async Task ProbesAndModelList()
    {
        Assert.Contains("\"ok\"", (await Curl($"{server.Server.HttpBase}healthz")).Stdout);
        Assert.Contains("\"ready\"", (await Curl($"{server.Server.HttpBase}readyz")).Stdout);
        using JsonDocument models = JsonDocument.Parse((await Curl($"{server.Server.HttpBase}models")).Stdout);
        JsonElement m = models.RootElement.GetProperty("models")[0];
        Assert.Equal("shapeworld", m.GetProperty("name").GetString());
        Assert.True(m.GetProperty("ready").GetBoolean());
        Assert.Equal(64, m.GetProperty("default_width").GetInt32());
        Assert.Equal("euler", m.GetProperty("default_scheduler").GetString());
        Assert.Equal(["euler", "euler_karras", "ddim", "lcm", "dpmpp_2m", "dpmpp_2m_karras"], m.GetProperty("schedulers").EnumerateArray().Select(e => e.GetString()));
    }
}

/// <summary>One real server process shared by a test class.</summary>
public sealed class RealServerFixture : IAsyncLifetime
{
    private ServerProcess? _server;
    public ServerProcess Server => _server ?? throw new InvalidOperationException("the server has not started");
    public async Task InitializeAsync() => _server = await ServerProcess.StartAsync();
    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
