using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Server.Models;
using Server.Tests.RealProcess;

namespace Server.Tests.Adapters;

/// <summary>
/// The whole loop, at tiny settings: the training host builds preference pairs from the embedded model, trains a DPO
/// adapter and publishes it to the store a running server watches; the server hot-loads it (same process) and a request
/// naming it gets a different image than one without it.
/// </summary>
public sealed class TrainPublishServeTests : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), $"train-publish-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_work)) Directory.Delete(_work, true);
    }

    private static async Task Train(params string[] args)
    {
        Tool.Result r = await Tool.RunAsync("dotnet", [AlignTrainBuild.Dll, .. args], timeout: TimeSpan.FromMinutes(5));
        Assert.True(r.ExitCode == 0, $"align-train {string.Join(' ', args)}: {r}");
    }

    [Fact]
    public async Task ATrainedAdapterIsPublishedAndHotLoadedByARunningServer()
    {
        string store = Path.Combine(_work, "store"), pairs = Path.Combine(_work, "pairs"), run = Path.Combine(_work, "run");
        Directory.CreateDirectory(store);
        await using ServerProcess server = await ServerProcess.StartAsync(("Server__Adapters__Store", store), ("Server__Adapters__PollSeconds", "0.2"));
        using var client = new HttpClient { BaseAddress = server.HttpBase, Timeout = TimeSpan.FromMinutes(2) };
        int pid = server.ProcessId;
        object Request(bool adapter) => new Dictionary<string, object?>
        {
            ["prompt"] = "a red circle to the left of a blue square", ["steps"] = 8, ["seed"] = 3,
            ["adapters"] = adapter ? new[] { new { name = "e2e-dpo", weight = 1.0 } } : null,
        };
        async Task<string> Png(bool adapter)
        {
            HttpResponseMessage response = await client.PostAsJsonAsync("/generate", Request(adapter));
            string body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            return JsonDocument.Parse(body).RootElement.GetProperty("images")[0].GetProperty("png_base64").GetString()!;
        }
        string before = await Png(adapter: false);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync("/generate", Request(adapter: true))).StatusCode);

        string model = Path.Combine(EmbeddedModel.Locate(), "model");
        await Train("pairs", "--model", model, "--out", pairs, "--prompts-per-category", "2", "--seeds", "6", "--steps", "8", "--threads", "1");
        await Train("dpo", "--model", model, "--pairs", Path.Combine(pairs, "pairs.jsonl"), "--out", run, "--name", "e2e-dpo",
            "--steps", "4", "--batch", "2", "--lr", "0.01", "--eval-prompts", "0", "--publish", store, "--threads", "1");

        JsonElement listed = default;
        for (int i = 0; i < 150; i++)
        {
            listed = JsonDocument.Parse(await client.GetStringAsync("/adapters")).RootElement.GetProperty("adapters");
            if (listed.GetArrayLength() > 0) break;
            await Task.Delay(200);
        }
        JsonElement adapter = Assert.Single(listed.EnumerateArray());
        Assert.Equal("dpo", adapter.GetProperty("annotations").GetProperty("method").GetString());

        string after = await Png(adapter: true);
        Assert.True(PngPixels.MaxDifference(before, after) > 0, "the trained adapter did not change the image");
        Assert.True(PngPixels.MaxDifference(before, await Png(adapter: false)) <= 1, "a request without the adapter no longer gives the base image");
        Assert.Equal(pid, server.ProcessId);
        Assert.False(server.HasExited, "the server restarted or stopped");
    }
}
