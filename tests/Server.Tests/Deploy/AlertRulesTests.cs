using System.Text.Json;
using Server.Tests.Metrics;
using Server.Tests.RealProcess;

namespace Server.Tests.Deploy;

/// <summary>The PrometheusRule's groups (its spec is a Prometheus rule file) pass promtool check rules.</summary>
public sealed class AlertRulesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("deploy-rules-").FullName;

    public void Dispose() => Directory.Delete(_directory, true);

    [Fact]
    public async Task PromtoolAcceptsTheAlertRules()
    {
        Manifests manifests = await Kustomize.ObjectsAsync("base");
        JsonElement spec = manifests.Get("PrometheusRule", ServerWorkload.Name).GetProperty("spec");
        string[] alerts = spec.GetProperty("groups").EnumerateArray().SelectMany(g => g.GetProperty("rules").EnumerateArray())
            .Select(r => r.GetProperty("alert").GetString()!).ToArray();

        Tool.Result r = await CheckRules(spec.GetRawText());

        Assert.True(r.ExitCode == 0, $"promtool check rules: {r}");
        Assert.Contains($"SUCCESS: {alerts.Length} rules found", r.Stdout);
        Assert.Equal(["AlignAdapterLoadFailures", "AlignHighErrorRatio", "AlignNoReadyReplicas", "AlignQueueSaturated"], alerts.Order());
    }

    [Fact]
    public async Task PromtoolRefusesABrokenRuleSoTheCheckAboveCanFail()
    {
        Tool.Result r = await CheckRules("""{"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "sum(rate(align_requests_total[5m])"}]}]}""");

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("parse error", r.Stdout + r.Stderr);
    }

    // A JSON document is YAML: promtool reads the rule file as it is.
    private async Task<Tool.Result> CheckRules(string rules)
    {
        string file = Path.Combine(_directory, $"rules-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(file, rules);
        return await Tool.RunAsync(PrometheusPackage.Promtool, ["check", "rules", file]);
    }
}
