using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Server.Tests.Adapters;
using Server.Tests.RealProcess;

namespace Server.Tests.Deploy;

/// <summary>
/// The real server, started with the cpu-dev overlay's settings, answers the probe paths and the ServiceMonitor's
/// path, and its /metrics has every align_* series that the ScaledObject, the HPA, prometheus-adapter's rule and
/// the alert rules query.
/// </summary>
public sealed class LiveServerCrossCheckTests : IDisposable
{
    private readonly string _store = Path.Combine(Path.GetTempPath(), $"deploy-store-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_store)) Directory.Delete(_store, true);
    }

    [Fact]
    public async Task TheServerAnswersTheManifestsPathsAndExposesTheMetricsTheyQuery()
    {
        var workload = new ServerWorkload(await Kustomize.ObjectsAsync("overlays/cpu-dev"));
        JsonElement monitorEndpoint = workload.Manifests.Get("ServiceMonitor", ServerWorkload.Name).GetProperty("spec").GetProperty("endpoints")[0];
        string[] probePaths = new[] { "startupProbe", "readinessProbe", "livenessProbe" }
            .Select(p => workload.Container.GetProperty(p).GetProperty("httpGet").GetProperty("path").GetString()!).Distinct().ToArray();
        // The overlay's settings, but the test's own free ports, loopback address and store folder, polled quickly.
        string[] local = ["Server__HttpPort", "Server__GrpcPort", "Server__BindAddress", "Server__Adapters__Store", "Server__Adapters__PollSeconds"];
        var settings = workload.Settings.Where(kv => !local.Contains(kv.Key)).Select(kv => (kv.Key, kv.Value)).ToList();
        settings.Add(("Server__Adapters__Store", _store));
        settings.Add(("Server__Adapters__PollSeconds", "0.2"));
        Directory.CreateDirectory(_store);
        AdapterFiles.Publish(_store, "deploy-check", seed: 3);

        await using ServerProcess server = await ServerProcess.StartAsync([.. settings]);
        using var client = new HttpClient { BaseAddress = server.HttpBase, Timeout = TimeSpan.FromMinutes(1) };
        // One adapter load, so that the adapter series the alerts watch exist.
        HttpResponseMessage load = await client.PutAsync("/adapters/deploy-check", null);
        for (int i = 0; i < 50 && load.StatusCode == HttpStatusCode.NotFound; i++) // until the watcher's first poll has read the store
        {
            await Task.Delay(200);
            load = await client.PutAsync("/adapters/deploy-check", null);
        }
        Assert.True(load.StatusCode == HttpStatusCode.OK, $"PUT /adapters/deploy-check: {(int)load.StatusCode} {await load.Content.ReadAsStringAsync()}\n{server.Log}");

        // One generation with the adapter, so that every series the alerts and dashboards read has a sample.
        HttpResponseMessage generated = await client.PostAsync("/generate", new StringContent(
            """{"prompt": "a red circle", "seed": 1, "steps": 2, "adapters": [{"name": "deploy-check", "weight": 1.0}]}""",
            System.Text.Encoding.UTF8, "application/json"));
        Assert.True(generated.StatusCode == HttpStatusCode.OK, $"POST /generate: {(int)generated.StatusCode} {await generated.Content.ReadAsStringAsync()}");

        foreach (string path in probePaths)
        {
            HttpResponseMessage probe = await client.GetAsync(path);
            Assert.True(probe.StatusCode == HttpStatusCode.OK, $"probe path {path} answered {(int)probe.StatusCode} on a ready server");
        }
        HttpResponseMessage scrape = await client.GetAsync(monitorEndpoint.GetProperty("path").GetString());
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        string exposition = await scrape.Content.ReadAsStringAsync();
        var series = Regex.Matches(exposition, @"^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToHashSet();

        string[] queried = MetricNamesInK8s();
        string[] missing = queried.Where(n => !series.Contains(n)).ToArray();

        Assert.Contains("align_requests_in_flight", queried);
        Assert.Contains("align_adapter_loads_total", queried);
        Assert.True(missing.Length == 0, $"k8s/ queries series the server does not expose: {string.Join(", ", missing)}\nexposed: {string.Join(", ", series.Order())}");
    }

    /// <summary>Every align_* name in the files under k8s/ (ScaledObject, HPA, prometheus-adapter values, alert rules).</summary>
    private static string[] MetricNamesInK8s() =>
        Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "k8s"), "*.yaml", SearchOption.AllDirectories)
            .SelectMany(f => Regex.Matches(File.ReadAllText(f), @"\balign_[a-z0-9_]+").Select(m => m.Value))
            .Distinct().Order().ToArray();
}
