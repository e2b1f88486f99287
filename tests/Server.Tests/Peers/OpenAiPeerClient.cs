using System.Text.Json;
using Server.Tests.RealProcess;

namespace Server.Tests.Peers;

/// <summary>
/// The official openai npm client (Peers/openai/client.mjs, in its npm package where scripts/test.sh ran npm ci) run for one
/// scenario against a server's /v1; it prints one JSON object with what the client observed.
/// </summary>
public static class OpenAiPeerClient
{
    private const string InstallHint = "scripts/test.sh installs it: npm ci in tests/Server.Tests/Peers/openai (Node and npm from apt)";

    public static async Task<JsonElement> RunAsync(ServerProcess server, string apiKey, string scenario)
    {
        string package = PackageDirectory();
        Assert.True(Directory.Exists(Path.Combine(package, "node_modules", "openai")), $"the openai npm package is not installed in {package} ({InstallHint})");
        Tool.Result r = await Tool.RunAsync("node", ["client.mjs", new Uri(server.HttpBase, "/v1").ToString(), apiKey, scenario],
            timeout: TimeSpan.FromSeconds(120), installHint: InstallHint, workingDirectory: package);
        Assert.True(r.ExitCode == 0, $"the openai client failed in scenario {scenario}:\n{r}");
        string line = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()
                      ?? throw new InvalidOperationException($"the openai client printed nothing in scenario {scenario}:\n{r}");
        using JsonDocument doc = JsonDocument.Parse(line);
        return doc.RootElement.Clone();
    }

    // The package lives in the source tree (node_modules is not copied to the build output).
    private static string PackageDirectory()
    {
        DirectoryInfo? dir = new(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Server.sln"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException($"no folder containing Server.sln above {AppContext.BaseDirectory}");
        return Path.Combine(dir.FullName, "tests", "Server.Tests", "Peers", "openai");
    }
}
