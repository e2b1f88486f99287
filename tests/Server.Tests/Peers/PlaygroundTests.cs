using System.Text.Json;
using Server.Tests.Adapters;
using Server.Tests.RealProcess;

namespace Server.Tests.Peers;

/// <summary>
/// The web playground in headless Chromium (Debian's chromium, driven by playwright-core from Peers/playground/drive.js)
/// against the real server process with an API key and an adapter store: load, key, generate, compare with the reward chart, a field error,
/// history with a curl command run by real curl, a PNG download, an adapter with a weight, a sampler, keyboard-only use and a phone-width screen.
/// Screenshots go to artifacts/playground/.
/// </summary>
public sealed class PlaygroundTests
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly string Package = Path.Combine(RepositoryRoot.Path, "tests", "Server.Tests", "Peers", "playground");
    private const string InstallHint = "scripts/test.sh installs them: apt-get install chromium, then npm ci in tests/Server.Tests/Peers/playground";

    [Fact]
    public async Task ThePageDrivesGenerateCompareErrorsHistoryKeyboardAndPhoneWidth()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing ({InstallHint})");
        Assert.True(Directory.Exists(Path.Combine(Package, "node_modules", "playwright-core")), $"playwright-core is not installed in {Package} ({InstallHint})");
        string artifacts = Path.Combine(RepositoryRoot.Path, "artifacts", "playground");
        if (Directory.Exists(artifacts)) Directory.Delete(artifacts, recursive: true); // the screenshots checked below are this run's
        const string key = "playground-test-key", adapter = "random-shapes";
        string store = Directory.CreateTempSubdirectory("playground-store-").FullName;
        try
        {
            AdapterFiles.Publish(store, adapter, seed: 3);
            await using ServerProcess server = await ServerProcess.StartAsync(("Server__ApiKey", key), ("Server__Adapters__Store", store));
            await WaitUntilListed(server, key, adapter);
            await DriveThePage(server, key, adapter, artifacts);
        }
        finally
        {
            Directory.Delete(store, recursive: true);
        }
    }

    private static async Task DriveThePage(ServerProcess server, string key, string adapter, string artifacts)
    {
        Tool.Result run = await Tool.RunAsync("node", ["drive.js", server.HttpBase.ToString().TrimEnd('/'), key, artifacts, adapter],
            timeout: TimeSpan.FromSeconds(240), installHint: InstallHint, workingDirectory: Package);
        string line = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
        Assert.True(run.ExitCode == 0 && line.StartsWith('{'), $"the playground script failed:\n{run}\nserver log:\n{server.Log}");
        using JsonDocument doc = JsonDocument.Parse(line);
        JsonElement seen = doc.RootElement;
        Assert.True(seen.GetProperty("ok").GetBoolean(), line);

        // What the browser saw, checked again here: the chart's points are the streamed rewards, one per ReNO iteration and
        // default alignment reward (the two judges and the counter) and one per best-of-n candidate; the error names the field;
        // the curl is ours with the key kept out of it.
        Assert.Equal(3 * 3, seen.GetProperty("compare").GetProperty("chart").GetArrayLength());
        Assert.Equal(4, seen.GetProperty("keyboard").GetProperty("chart").GetArrayLength());
        Assert.Equal(2, seen.GetProperty("compare").GetProperty("scores").GetArrayLength());
        Assert.Contains("in width", seen.GetProperty("fieldError").GetProperty("text").GetString());
        string curl = seen.GetProperty("history").GetProperty("curl").GetString()!;
        Assert.StartsWith($"curl -sS -X POST '{server.HttpBase}generate'", curl);
        Assert.DoesNotContain(key, curl);
        Assert.True(seen.GetProperty("phone").GetProperty("scroll").GetInt32() <= 390, line);
        Assert.Contains($"{adapter} v1 ×0.5", seen.GetProperty("adapters").GetProperty("meta").GetString());
        Assert.Contains("· dpmpp_2m ·", seen.GetProperty("sampler").GetProperty("meta").GetString());
        foreach (string shot in new[] { "compare.png", "field-error.png", "keyboard-best-of-n.png", "phone.png" })
            Assert.True(new FileInfo(Path.Combine(artifacts, shot)) is { Exists: true, Length: > 1000 }, $"screenshot {shot} missing in {artifacts}");
    }

    // The page reads GET /adapters when it loads: wait until the server's first look at the store has listed the adapter.
    private static async Task WaitUntilListed(ServerProcess server, string key, string adapter)
    {
        using var client = new HttpClient { BaseAddress = server.HttpBase };
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        for (var watch = System.Diagnostics.Stopwatch.StartNew(); watch.Elapsed < TimeSpan.FromSeconds(30); await Task.Delay(200))
            if ((await client.GetStringAsync("/adapters")).Contains($"\"{adapter}\"", StringComparison.Ordinal)) return;
        Assert.Fail($"the server never listed adapter {adapter} from its store:\n{server.Log}");
    }
}
