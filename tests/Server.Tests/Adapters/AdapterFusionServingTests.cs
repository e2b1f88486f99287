using System.Net;
using System.Text.Json;
using Server.Models;
using Server.Tests.Http;

namespace Server.Tests.Adapters;

/// <summary>
/// A model configured to keep one adapter fused (Server:Models:N:FusedAdapter) gives every request what the unfused
/// server gives it: the fused adapter at its weight, at another weight, left out, beside another adapter, and after a new
/// version of it is published.
/// </summary>
public sealed class AdapterFusionServingTests : IAsyncLifetime
{
    private readonly string _store = Path.Combine(Path.GetTempPath(), $"adapter-fusion-{Guid.NewGuid():N}");
    private InProcessServer? _unfused, _fused;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_store);
        AdapterFiles.Publish(_store, "style", seed: 31);
        AdapterFiles.Publish(_store, "other", seed: 32);
        _unfused = await InProcessServer.StartAsync(("Server:Adapters:Store", _store), ("Server:Adapters:PollSeconds", "0.1"));
        _fused = await InProcessServer.StartAsync(("Server:Adapters:Store", _store), ("Server:Adapters:PollSeconds", "0.1"),
            ("Server:Models:0:Name", EmbeddedModel.Name), ("Server:Models:0:Path", Path.Combine(EmbeddedModel.Locate(), "model")),
            ("Server:Models:0:FusedAdapter", "style"), ("Server:Models:0:FusedAdapterWeight", "0.8"));
    }

    public async Task DisposeAsync()
    {
        await _unfused!.DisposeAsync();
        await _fused!.DisposeAsync();
        Directory.Delete(_store, true);
    }

    private static object Request(params (string Name, double Weight)[] adapters) => new Dictionary<string, object?>
    {
        ["prompt"] = "two green triangles above a purple square", ["steps"] = 4, ["seed"] = 9,
        ["adapters"] = adapters.Select(a => new { name = a.Name, weight = a.Weight }).ToArray(),
    };

    private static async Task<string> Image(InProcessServer server, object request)
    {
        HttpResponseMessage response = await server.Generate(request);
        JsonElement body = await InProcessServer.Json(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("images")[0].GetProperty("png_base64").GetString()!;
    }

    private async Task AssertBothGiveTheSameImage(object request, string what)
    {
        string expected = await Image(_unfused!, request), actual = await Image(_fused!, request);
        int difference = PngPixels.MaxDifference(expected, actual);
        Assert.True(difference <= 1, $"{what}: the fused server's image differs from the unfused one's by up to {difference} levels");
    }

    private static async Task<JsonElement> Style(InProcessServer server)
    {
        JsonElement adapters = (await InProcessServer.Json(await server.Client.GetAsync("/adapters"))).GetProperty("adapters");
        return adapters.EnumerateArray().Single(a => a.GetProperty("name").GetString() == "style").GetProperty("models")[0];
    }

    private static async Task WaitForVersion(InProcessServer server, string version)
    {
        for (int i = 0; i < 300 && (await Style(server)).GetProperty("version").GetString() != version; i++) await Task.Delay(50);
        Assert.Equal(version, (await Style(server)).GetProperty("version").GetString());
    }

    [Fact]
    public async Task EveryRequestGetsWhatTheUnfusedServerGives()
    {
        string plain = await Image(_unfused!, Request()), styled = await Image(_unfused!, Request(("style", 0.8)));
        Assert.True(PngPixels.MaxDifference(plain, styled) > 16, "the adapter must visibly change the image for this test to mean anything");

        await AssertBothGiveTheSameImage(Request(("style", 0.8)), "the fused adapter at its fused weight");
        Assert.Equal("1", (await Style(_fused!)).GetProperty("fused_version").GetString());
        Assert.False((await Style(_unfused!)).TryGetProperty("fused_version", out _));
        await AssertBothGiveTheSameImage(Request(), "no adapter");
        await AssertBothGiveTheSameImage(Request(("style", 0.3)), "the fused adapter at another weight");
        await AssertBothGiveTheSameImage(Request(("other", 1.0)), "another adapter alone");
        await AssertBothGiveTheSameImage(Request(("other", 0.7), ("style", 0.8)), "another adapter beside the fused one");

        // a new version is fused in place of the old between batches
        AdapterFiles.Publish(_store, "style", seed: 33);
        await WaitForVersion(_unfused!, "2");
        await WaitForVersion(_fused!, "2");
        await AssertBothGiveTheSameImage(Request(("style", 0.8)), "version 2 at the fused weight");
        Assert.Equal("2", (await Style(_fused!)).GetProperty("fused_version").GetString());
        await AssertBothGiveTheSameImage(Request(), "no adapter, after version 2 was fused");
    }
}
