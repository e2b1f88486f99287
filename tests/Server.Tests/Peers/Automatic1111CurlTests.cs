using System.Text.Json;
using Server.Tests.Adapters;
using Server.Tests.RealProcess;

namespace Server.Tests.Peers;

/// <summary>A real server with one adapter in its store, and room for long runs (to watch progress and interrupt them).</summary>
public sealed class Automatic1111ServerFixture : IAsyncLifetime
{
    public const string Adapter = "a1111-shift";
    public const int MaxSteps = 5000;
    private readonly string _store = Path.Combine(Path.GetTempPath(), $"a1111-adapters-{Guid.NewGuid():N}");
    private ServerProcess? _server;
    public ServerProcess Server => _server ?? throw new InvalidOperationException("the server has not started");

    public async Task InitializeAsync()
    {
        AdapterFiles.Publish(_store, Adapter, seed: 31);
        _server = await ServerProcess.StartAsync(("Server__Adapters__Store", _store), ("Server__Adapters__PollSeconds", "0.2"),
            ("Server__Limits__MaxSteps", MaxSteps.ToString()));
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        Directory.Delete(_store, true);
    }
}

/// <summary>curl drives the AUTOMATIC1111-compatible routes: txt2img (LoRA tags, samplers, errors), the lists, progress and interrupt.</summary>
public sealed class Automatic1111CurlTests(Automatic1111ServerFixture fixture) : IClassFixture<Automatic1111ServerFixture>
{
    private Uri Base => fixture.Server.HttpBase;

    private static Task<Tool.Result> Curl(params string[] args) => Tool.RunAsync("curl", ["-sS", .. args], installHint: "apt-get install curl");

    /// <summary>POSTs <paramref name="body"/> to txt2img; the HTTP status and the parsed response.</summary>
    private async Task<(int Status, JsonElement Body)> Txt2Img(string body)
    {
        Tool.Result r = await Curl("-X", "POST", $"{Base}sdapi/v1/txt2img", "-H", "Content-Type: application/json", "-d", body, "-w", "\n%{http_code}");
        int cut = r.Stdout.LastIndexOf('\n');
        Assert.True(cut > 0, r.ToString());
        using JsonDocument doc = JsonDocument.Parse(r.Stdout[..cut]);
        return (int.Parse(r.Stdout[(cut + 1)..]), doc.RootElement.Clone());
    }

    private async Task<JsonElement> Get(string route)
    {
        Tool.Result r = await Curl($"{Base}sdapi/v1/{route}");
        using JsonDocument doc = JsonDocument.Parse(r.Stdout);
        return doc.RootElement.Clone();
    }

    private static JsonElement Info(JsonElement response)
    {
        using JsonDocument doc = JsonDocument.Parse(response.GetProperty("info").GetString()!);
        return doc.RootElement.Clone();
    }

    [Fact]
    public async Task Txt2ImgReturnsBatchSizeTimesNIterPngsWithTheirSeedsInInfo()
    {
        (int status, JsonElement r) = await Txt2Img("""
            {"prompt": "a red circle", "negative_prompt": "blurry", "seed": 5, "steps": 4, "cfg_scale": 6, "width": 64, "height": 64,
             "batch_size": 2, "n_iter": 2, "sampler_name": "Euler", "restore_faces": false, "styles": [], "save_images": false}
            """);
        Assert.True(status == 200, r.ToString());
        JsonElement[] images = r.GetProperty("images").EnumerateArray().ToArray();
        Assert.Equal(4, images.Length);
        (string mode, int w, int h, _, _) = Align.Tests.Imaging.Pillow.Decode(Convert.FromBase64String(images[3].GetString()!));
        Assert.Equal(("RGB", 64, 64), (mode, w, h));
        JsonElement info = Info(r);
        Assert.Equal([5L, 6, 7, 8], info.GetProperty("all_seeds").EnumerateArray().Select(s => s.GetInt64()));
        Assert.Equal((5L, "Euler", 4, 6.0, "shapeworld"), (info.GetProperty("seed").GetInt64(), info.GetProperty("sampler_name").GetString(),
            info.GetProperty("steps").GetInt32(), info.GetProperty("cfg_scale").GetDouble(), info.GetProperty("sd_model_name").GetString()));
        Assert.StartsWith("a red circle\nNegative prompt: blurry\nSteps: 4, Sampler: Euler, CFG scale: 6, Seed: 7, Size: 64x64",
            info.GetProperty("infotexts")[2].GetString());
        JsonElement parameters = r.GetProperty("parameters");
        Assert.Equal(("a red circle", 2, 2), (parameters.GetProperty("prompt").GetString(), parameters.GetProperty("batch_size").GetInt32(),
            parameters.GetProperty("n_iter").GetInt32()));
    }

    [Fact]
    public async Task LoraTagSelectsTheAdapterAndLeavesThePromptText()
    {
        (int status, JsonElement tagged) = await Txt2Img($$"""{"prompt": "a red circle <lora:{{Automatic1111ServerFixture.Adapter}}:0.8>", "seed": 3, "steps": 4}""");
        Assert.True(status == 200, tagged.ToString());
        JsonElement info = Info(tagged);
        Assert.Equal("a red circle", info.GetProperty("prompt").GetString());
        JsonElement applied = info.GetProperty("adapters")[0];
        Assert.Equal((Automatic1111ServerFixture.Adapter, "1", 0.8),
            (applied.GetProperty("name").GetString(), applied.GetProperty("version").GetString(), applied.GetProperty("weight").GetDouble()));
        Assert.Equal($"{Automatic1111ServerFixture.Adapter}:0.8", info.GetProperty("extra_generation_params").GetProperty("Lora").GetString());

        (_, JsonElement plain) = await Txt2Img("""{"prompt": "a red circle", "seed": 3, "steps": 4}""");
        Assert.Equal(0, Info(plain).GetProperty("adapters").GetArrayLength());
        Assert.NotEqual(plain.GetProperty("images")[0].GetString(), tagged.GetProperty("images")[0].GetString());
    }

    [Fact]
    public async Task UnknownLoraFailsNamingTheAdapter()
    {
        (int status, JsonElement r) = await Txt2Img("""{"prompt": "a red circle <lora:no-such-lora:1>", "steps": 2}""");
        Assert.True(status == 404, r.ToString());
        Assert.Equal("HTTPException", r.GetProperty("error").GetString());
        Assert.Contains("adapter 'no-such-lora' is not in the adapter store", r.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task BadSamplerOrScheduleTypeIsRefusedListingTheOnesHere()
    {
        (string body, string field, string message)[] cases =
        [
            ("""{"prompt": "a red circle", "sampler_name": "DPM++ SDE"}""", "sampler_name",
                "sampler 'DPM++ SDE' is not available (samplers on this server: Euler, DPM++ 2M, DDIM, LCM)"),
            ("""{"prompt": "a red circle", "sampler_name": "Euler", "scheduler": "Exponential"}""", "scheduler",
                "schedule type 'Exponential' is not available (schedule types on this server: Automatic, Uniform, Karras)"),
            ("""{"prompt": "a red circle", "sampler_name": "DDIM", "scheduler": "Karras"}""", "scheduler",
                "schedule type 'Karras' is available with Euler and DPM++ 2M only, not with DDIM"),
        ];
        foreach ((string body, string field, string message) in cases)
        {
            (int status, JsonElement r) = await Txt2Img(body);
            Assert.True(status == 422, $"{body}: {r}");
            JsonElement detail = r.GetProperty("detail")[0];
            Assert.Equal(["body", field], detail.GetProperty("loc").EnumerateArray().Select(l => l.GetString()));
            Assert.Contains(message, detail.GetProperty("msg").GetString());
        }
    }

    [Fact]
    public async Task SamplerAndScheduleTypePickTheSamplerAndAreEchoed()
    {
        async Task<(string Image, JsonElement Info)> Run(string extra)
        {
            (int status, JsonElement r) = await Txt2Img($$"""{"prompt": "a red circle", "seed": 4, "steps": 4{{extra}}}""");
            Assert.True(status == 200, r.ToString());
            return (r.GetProperty("images")[0].GetString()!, Info(r));
        }
        (string own, JsonElement ownInfo) = await Run("");
        (string euler, _) = await Run(""", "sampler_name": "k_euler", "scheduler": "Automatic" """);
        (string ddim, JsonElement ddimInfo) = await Run(""", "sampler_name": "DDIM" """);
        (string karras, JsonElement karrasInfo) = await Run(""", "scheduler": "karras" """);
        (string dpm, JsonElement dpmInfo) = await Run(""", "sampler_name": "DPM++ 2M", "scheduler": "Karras" """);
        (string legacy, JsonElement legacyInfo) = await Run(""", "sampler_name": "DPM++ 2M Karras" """); // A1111 before 1.9
        Assert.Equal(own, euler);
        Assert.Equal(dpm, legacy);
        Assert.Equal(4, new[] { own, ddim, karras, dpm }.Distinct().Count()); // four samplers, four images
        Assert.Equal([("Euler", "Automatic"), ("DDIM", "Automatic"), ("Euler", "Karras"), ("DPM++ 2M", "Karras"), ("DPM++ 2M", "Karras")],
            new[] { ownInfo, ddimInfo, karrasInfo, dpmInfo, legacyInfo }
                .Select(i => (i.GetProperty("sampler_name").GetString(), i.GetProperty("scheduler").GetString())));
        Assert.Contains("Sampler: DDIM, CFG scale:", ddimInfo.GetProperty("infotexts")[0].GetString());
        Assert.Contains("Sampler: Euler, Schedule type: Karras, CFG scale:", karrasInfo.GetProperty("infotexts")[0].GetString());
    }

    [Fact]
    public async Task InvalidFieldsAre422NamingTheA1111Field()
    {
        (string body, string[] loc, string msg)[] cases =
        [
            ("""{"prompt": "a red circle", "cfg_scale": 99}""", ["body", "cfg_scale"], "guidance must be between 0 and 30"),
            ("""{"prompt": "a red circle", "steps": 0}""", ["body", "steps"], "steps must be between 1 and"),
            ("""{"prompt": "a red circle", "width": 63}""", ["body", "width"], "width must be a multiple of"),
            ("""{"prompt": "a red circle", "steps": "many"}""", ["body", "steps"], "wrong type of value"),
            ("""{"prompt": "a red circle", "batch_size": 3, "n_iter": 3}""", ["body", "batch_size"], "num_images must be between 1 and 8, got 9"),
            ("""{"prompt": "a red circle", "enable_hr": true}""", ["body", "enable_hr"], "hires fix"),
            ("""{"prompt": "a red circle <lora:x:heavy>"}""", ["body", "prompt"], "the weight 'heavy' is not a number"),
            ("""{"prompt": ""}""", ["body", "prompt"], "prompt must not be empty"),
        ];
        foreach ((string body, string[] loc, string msg) in cases)
        {
            (int status, JsonElement r) = await Txt2Img(body);
            Assert.True(status == 422, $"{body}: {status} {r}");
            JsonElement detail = r.GetProperty("detail")[0];
            Assert.Equal(loc, detail.GetProperty("loc").EnumerateArray().Select(l => l.GetString()));
            Assert.Contains(msg, detail.GetProperty("msg").GetString());
        }
    }

    [Fact]
    public async Task ModelsSamplersAndOptionsListWhatIsServed()
    {
        JsonElement model = (await Get("sd-models"))[0];
        Assert.Equal(("shapeworld", "shapeworld"), (model.GetProperty("title").GetString(), model.GetProperty("model_name").GetString()));
        JsonElement[] samplers = (await Get("samplers")).EnumerateArray().ToArray();
        Assert.Equal(["Euler", "DPM++ 2M", "DDIM", "LCM"], samplers.Select(s => s.GetProperty("name").GetString()));
        JsonElement[] schedules = (await Get("schedulers")).EnumerateArray().ToArray();
        Assert.Equal(["Automatic", "Uniform", "Karras"], schedules.Select(s => s.GetProperty("label").GetString()));
        Assert.Equal("shapeworld", (await Get("options")).GetProperty("sd_model_checkpoint").GetString());
    }

    [Fact]
    public async Task ProgressFollowsTheRunningRequestAndInterruptEndsIt()
    {
        const int steps = Automatic1111ServerFixture.MaxSteps;
        Task<(int, JsonElement)> running = Txt2Img($$"""{"prompt": "a green triangle", "seed": 1, "steps": {{steps}}}""");
        JsonElement progress = default;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(60) && !running.IsCompleted)
        {
            progress = await Get("progress");
            if (progress.GetProperty("state").GetProperty("sampling_step").GetInt32() >= 2) break;
            await Task.Delay(50);
        }
        if (running.IsCompleted) Assert.Fail($"the long run ended before progress showed it: {(await running).Item2}");
        JsonElement state = progress.GetProperty("state");
        Assert.True(state.GetProperty("sampling_step").GetInt32() >= 2, progress.ToString());
        Assert.Equal((steps, 1, "txt2img"), (state.GetProperty("sampling_steps").GetInt32(), state.GetProperty("job_count").GetInt32(), state.GetProperty("job").GetString()));
        double fraction = progress.GetProperty("progress").GetDouble();
        Assert.True(fraction > 0 && fraction < 1, progress.ToString());
        Assert.True(progress.GetProperty("eta_relative").GetDouble() > 0, progress.ToString());
        Assert.Equal(32, progress.GetProperty("current_task").GetString()!.Length);

        Assert.Equal("{}", (await Curl("-X", "POST", $"{Base}sdapi/v1/interrupt")).Stdout);
        (int status, JsonElement r) = await running.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(status == 499, r.ToString());
        Assert.Contains("interrupted by POST /sdapi/v1/interrupt", r.GetProperty("detail").GetString());
        Assert.Equal(0, (await Get("progress")).GetProperty("state").GetProperty("job_count").GetInt32());
    }
}
