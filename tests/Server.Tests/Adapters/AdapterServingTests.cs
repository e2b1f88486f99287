using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Align.Adapters.Store;
using Server.Tests.Http;
using Server.Tests.Metrics;

namespace Server.Tests.Adapters;

/// <summary>
/// Adapters served from a watched store, over HTTP: picked up without a restart, applied per request, hot-swapped to
/// new versions (runs in flight finish on theirs), a broken version refused while the previous keeps serving, unloaded
/// and reloaded on demand, gone once deleted.
/// </summary>
public sealed class AdapterServingTests : IAsyncLifetime
{
    private readonly string _store = Path.Combine(Path.GetTempPath(), $"adapter-store-{Guid.NewGuid():N}");
    private InProcessServer? _server;
    private InProcessServer Server => _server!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_store);
        _server = await InProcessServer.StartAsync(("Server:Adapters:Store", _store), ("Server:Adapters:PollSeconds", "0.1"));
    }

    public async Task DisposeAsync()
    {
        await _server!.DisposeAsync();
        Directory.Delete(_store, true);
    }

    private static object Request(string? adapter = null, double weight = 1.0, long seed = 5) => new Dictionary<string, object?>
    {
        ["prompt"] = "a red circle to the left of a blue square", ["steps"] = 4, ["seed"] = seed,
        ["adapters"] = adapter is null ? null : new[] { new { name = adapter, weight } },
    };

    private async Task<(string Png, JsonElement Body)> Image(object request)
    {
        HttpResponseMessage response = await Server.Generate(request);
        JsonElement body = await InProcessServer.Json(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return (body.GetProperty("images")[0].GetProperty("png_base64").GetString()!, body);
    }

    // The watcher polls every 0.1 s; wait until the list shows what the test expects.
    private async Task<JsonElement> WaitForAdapter(string name, Func<JsonElement, bool> ready)
    {
        JsonElement adapters = default;
        for (int i = 0; i < 300; i++)
        {
            adapters = (await InProcessServer.Json(await Server.Client.GetAsync("/adapters"))).GetProperty("adapters");
            JsonElement? entry = adapters.EnumerateArray().Where(a => a.GetProperty("name").GetString() == name).Select(a => (JsonElement?)a).FirstOrDefault();
            if (entry is { } e && ready(e)) return e;
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"adapter {name} never reached the expected state; /adapters: {adapters}");
    }

    private static JsonElement OnModel(JsonElement adapter) => adapter.GetProperty("models")[0];

    // Same image: equal pixels up to the last bit of rounding (runs batched with other requests may differ by one level).
    private static void AssertSameImage(string expected, string actual) =>
        Assert.True(PngPixels.MaxDifference(expected, actual) <= 1, $"images differ by up to {PngPixels.MaxDifference(expected, actual)} levels");

    // Different image: the adapter visibly changed it.
    private static void AssertDifferentImage(string a, string b) =>
        Assert.True(PngPixels.MaxDifference(a, b) > 16, $"images differ by only {PngPixels.MaxDifference(a, b)} levels");

    [Fact]
    public async Task AnAdapterIsPickedUpAppliedHotSwappedRefusedWhenBrokenAndRemoved()
    {
        // not in the store yet
        HttpResponseMessage missing = await Server.Generate(Request("shift"));
        JsonElement error = (await InProcessServer.Json(missing)).GetProperty("error");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("adapters[0].name", error.GetProperty("field").GetString());

        (string plain, _) = await Image(Request());
        AdapterFiles.Publish(_store, "shift", seed: 1);
        JsonElement listed = await WaitForAdapter("shift", a => a.GetProperty("version").GetString() == "1");
        Assert.Equal("test", listed.GetProperty("annotations").GetProperty("method").GetString());
        // what only the adapter's own metadata says is listed too
        Assert.StartsWith("none: B drawn", listed.GetProperty("annotations").GetProperty("training_data").GetString());
        Assert.True(OnModel(listed).GetProperty("loaded").GetBoolean());

        (string v1, JsonElement body) = await Image(Request("shift"));
        AssertDifferentImage(plain, v1);
        JsonElement applied = Assert.Single(body.GetProperty("adapters").EnumerateArray());
        Assert.Equal(("shift", "1", 1.0), (applied.GetProperty("name").GetString(), applied.GetProperty("version").GetString(), applied.GetProperty("weight").GetDouble()));
        AssertSameImage(plain, (await Image(Request("shift", weight: 0))).Png); // weight 0 is the base model
        AssertSameImage(plain, (await Image(Request())).Png); // and the base model is untouched after a run with an adapter

        // a new version is swapped in without a restart
        AdapterFiles.Publish(_store, "shift", seed: 2);
        await WaitForAdapter("shift", a => OnModel(a).GetProperty("version").GetString() == "2");
        (string v2, _) = await Image(Request("shift"));
        AssertDifferentImage(v1, v2);

        // a broken version is refused; version 2 keeps serving
        string broken = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, "adapter_model.safetensors"), "not a safetensors file");
        new AdapterStore(_store).Publish("shift", broken);
        Directory.Delete(broken, true);
        JsonElement refused = await WaitForAdapter("shift", a => OnModel(a).TryGetProperty("error", out JsonElement e) && e.ValueKind == JsonValueKind.String);
        Assert.Equal("2", OnModel(refused).GetProperty("version").GetString());
        Assert.Contains("version 3", OnModel(refused).GetProperty("error").GetString());
        AssertSameImage(v2, (await Image(Request("shift"))).Png);

        // unloading frees the weights; the next request loads them again
        JsonElement unloaded = await InProcessServer.Json(await Server.Client.DeleteAsync("/adapters/shift"));
        Assert.False(OnModel(unloaded).GetProperty("loaded").GetBoolean());
        AssertSameImage(v2, (await Image(Request("shift"))).Png);
        JsonElement loaded = await InProcessServer.Json(await Server.Client.PutAsync("/adapters/shift", null));
        Assert.True(OnModel(loaded).GetProperty("loaded").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, (await Server.Client.PutAsync("/adapters/ghost", null)).StatusCode);

        Exposition metrics = Exposition.Parse(await Server.Client.GetStringAsync("/metrics"));
        Assert.True(metrics.Value("align_adapter_hot_swaps_total{model=\"shapeworld\"}") >= 1);
        Assert.True(metrics.Value("align_adapter_loads_total{model=\"shapeworld\",result=\"failed\"}") >= 1);
        Assert.True(metrics.Value("align_adapter_loaded_bytes{model=\"shapeworld\"}") > 0);

        // deleted from the store: requests naming it are refused again
        new AdapterStore(_store).Delete("shift");
        for (int i = 0; i < 100 && (await Server.Generate(Request("shift"))).StatusCode != HttpStatusCode.NotFound; i++) await Task.Delay(50);
        Assert.Equal(HttpStatusCode.NotFound, (await Server.Generate(Request("shift"))).StatusCode);
    }

    [Fact]
    public async Task HotSwapsUnderLoadLoseNoRequestAndMixNoWeights()
    {
        AdapterFiles.Publish(_store, "swap", seed: 11);
        await WaitForAdapter("swap", a => a.GetProperty("version").GetString() == "1");
        var expected = new Dictionary<string, string> { ["1"] = (await Image(Request("swap"))).Png };

        // clients keep generating while versions 2 and 3 are published
        using var stop = new CancellationTokenSource();
        var seen = new List<(string Version, string Png)>();
        Task[] clients = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                (string png, JsonElement body) = await Image(Request("swap"));
                string version = body.GetProperty("adapters")[0].GetProperty("version").GetString()!;
                lock (seen) seen.Add((version, png));
            }
        })).ToArray();
        foreach (ulong seed in new ulong[] { 12, 13 })
        {
            await Task.Delay(300);
            AdapterFiles.Publish(_store, "swap", seed);
        }
        await WaitForAdapter("swap", a => OnModel(a).GetProperty("version").GetString() == "3");
        // let the clients finish a few runs on version 3, however slow the machine is
        for (int i = 0; i < 1200; i++)
        {
            lock (seen)
                if (seen.Count(s => s.Version == "3") >= 3) break;
            await Task.Delay(100);
        }
        stop.Cancel();
        await Task.WhenAll(clients); // any failed request fails the test here

        Assert.Contains(seen, s => s.Version == "3");
        foreach (string v in new[] { "2", "3" })
            if (seen.FirstOrDefault(s => s.Version == v) is { Png: not null } first) expected[v] = first.Png;
        // every run reporting a version gives that version's image (none saw another version's weights, or a mix)
        Assert.All(seen, s => AssertSameImage(expected[s.Version], s.Png));
        AssertDifferentImage(expected["1"], expected["3"]);
    }
}
