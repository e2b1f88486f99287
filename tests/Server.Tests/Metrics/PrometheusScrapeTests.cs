using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Server.Tests.RealProcess;

namespace Server.Tests.Metrics;

/// <summary>A real Prometheus server scrapes /metrics of the real server process on loopback and answers queries about it.</summary>
public class PrometheusScrapeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task PrometheusScrapesTheRealServerAndQueriesItsRequestCount()
    {
        string prometheusBinary = PrometheusPackage.Server;
        using var temp = new TempDirectory("align-prometheus-"); // deleted last, after Prometheus and the server have exited
        string directory = temp.Path;
        Process? prometheus = null;
        var prometheusLog = new StringBuilder();
        await using ServerProcess server = await ServerProcess.StartAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = server.HttpBase };
            for (int i = 0; i < 3; i++)
            {
                HttpResponseMessage r = await client.PostAsync("/generate", new StringContent($$"""{"prompt": "a red circle", "steps": 2, "seed": {{i}}}""", Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            }

            string target = server.HttpBase.Authority;
            string config = Path.Combine(directory, "prometheus.yml");
            await File.WriteAllTextAsync(config, $"""
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                scrape_configs:
                  - job_name: align-server
                    static_configs:
                      - targets: ['{target}']
                """);
            int prometheusPort;
            (prometheus, prometheusPort) = await StartPrometheusOnFreePort(prometheusBinary, config, Path.Combine(directory, "data"), prometheusLog);
            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{prometheusPort}") };

            string targets = await PollUntil(api, "/api/v1/targets", body => TargetHealth(body, target) == "up", prometheus, prometheusLog);
            Assert.Equal("up", TargetHealth(targets, target));

            string query = await PollUntil(api, "/api/v1/query?query=" + Uri.EscapeDataString("align_requests_total{transport=\"http\"}"),
                body => QueryValues(body).Count > 0, prometheus, prometheusLog);
            var (labels, value) = Assert.Single(QueryValues(query), v => v.Labels["route"] == "/generate");
            Assert.Equal("3", value);
            Assert.Equal("200", labels["status"]);
            Assert.Equal("align-server", labels["job"]);
            string images = await PollUntil(api, "/api/v1/query?query=" + Uri.EscapeDataString("align_images_generated_total"),
                body => QueryValues(body).Count > 0, prometheus, prometheusLog);
            Assert.Equal("3", Assert.Single(QueryValues(images)).Value);
        }
        finally
        {
            if (prometheus is not null)
            {
                if (!prometheus.HasExited) prometheus.Kill(entireProcessTree: true);
                await prometheus.WaitForExitAsync();
                prometheus.Dispose();
            }
        }
    }

    /// <summary>
    /// Starts Prometheus on a port picked free and waits for /-/ready. The port can be taken between the pick and
    /// Prometheus binding it; then it exits saying "address already in use" and starts again on another port (three tries).
    /// </summary>
    private static async Task<(Process Prometheus, int Port)> StartPrometheusOnFreePort(string binary, string config, string data, StringBuilder log)
    {
        for (int attempt = 1; ; attempt++)
        {
            int port = ServerProcess.FreePort();
            Process prometheus = StartPrometheus(binary, config, data, port, log);
            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            await PollUntil(api, "/-/ready", _ => true, prometheus, log, failIfExited: false);
            if (!prometheus.HasExited) return (prometheus, port);
            await prometheus.WaitForExitAsync();
            string said;
            lock (log) said = log.ToString();
            prometheus.Dispose();
            if (attempt == 3 || !said.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
                Assert.Fail($"Prometheus exited before it was ready (attempt {attempt}, port {port}). Prometheus said:\n{said}");
            lock (log) log.Clear();
        }
    }

    private static Process StartPrometheus(string binary, string config, string data, int port, StringBuilder log)
    {
        var start = new ProcessStartInfo(binary,
        [
            $"--config.file={config}", $"--storage.tsdb.path={data}", $"--web.listen-address=127.0.0.1:{port}",
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = new Process { StartInfo = start };
        DataReceivedEventHandler append = (_, line) =>
        {
            if (line.Data is null) return;
            lock (log) log.AppendLine(line.Data);
        };
        process.OutputDataReceived += append;
        process.ErrorDataReceived += append;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>GETs <paramref name="path"/> until <paramref name="done"/> holds for the body; fails after <see cref="Patience"/> with what it saw.</summary>
    private static async Task<string> PollUntil(HttpClient api, string path, Func<string, bool> done, Process prometheus, StringBuilder log,
        bool failIfExited = true)
    {
        var clock = Stopwatch.StartNew();
        string lastSeen = "(no answer yet)";
        while (clock.Elapsed < Patience)
        {
            if (prometheus.HasExited) break;
            try
            {
                lastSeen = await api.GetStringAsync(path);
                if (done(lastSeen)) return lastSeen;
            }
            catch (HttpRequestException e)
            {
                lastSeen = e.Message;
            }
            await Task.Delay(250);
        }
        if (prometheus.HasExited && !failIfExited) return lastSeen;
        string prometheusOutput;
        lock (log) prometheusOutput = log.ToString();
        Assert.Fail($"Prometheus did not answer {path} as expected within {Patience.TotalSeconds} s " +
            $"(exited: {prometheus.HasExited}). Last answer:\n{lastSeen}\nPrometheus said:\n{prometheusOutput}");
        return lastSeen;
    }

    private static string? TargetHealth(string targetsBody, string target)
    {
        using JsonDocument document = JsonDocument.Parse(targetsBody);
        foreach (JsonElement active in document.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray())
        {
            if (active.GetProperty("labels").GetProperty("instance").GetString() == target)
                return active.GetProperty("health").GetString();
        }
        return null;
    }

    private static List<(Dictionary<string, string> Labels, string Value)> QueryValues(string queryBody)
    {
        using JsonDocument document = JsonDocument.Parse(queryBody);
        JsonElement data = document.RootElement.GetProperty("data");
        Assert.Equal("vector", data.GetProperty("resultType").GetString());
        return data.GetProperty("result").EnumerateArray()
            .Select(r => (
                r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
                r.GetProperty("value")[1].GetString()!))
            .ToList();
    }
}
