using System.Diagnostics;

namespace Server.Tests.Metrics;

/// <summary>The exposition checked by Prometheus' own parser and linter.</summary>
public class PromtoolTests
{
    [Fact]
    public async Task PromtoolAcceptsTheExpositionWithoutLintProblems()
    {
        using var host = new ServerMetricsHost();
        host.Metrics.RequestCompleted("http", "/generate", "200");
        host.Metrics.RequestCompleted("grpc", "align.v1.GenerationService/Generate", "RESOURCE_EXHAUSTED");
        host.Metrics.ObserveQueues(() => (1, 2));
        host.Metrics.QueueWait(TimeSpan.FromMilliseconds(12), "none");
        host.Metrics.Generation(TimeSpan.FromSeconds(0.8), "attend_excite");
        host.Metrics.Batch(2);
        host.Metrics.ImagesGenerated(2, "shapeworld");
        host.Metrics.RewardScore(-0.2, "shapeworld-clip");
        host.Metrics.RewardScore(27.5, "pickscore");
        host.Metrics.ModelLoaded(TimeSpan.FromSeconds(3), "shapeworld");
        string exposition = host.Exporter.Collect();
        Assert.Contains("align_requests_total", exposition);

        var (exitCode, output) = await CheckMetrics(exposition);

        Assert.True(exitCode == 0 && output.Length == 0,
            $"promtool check metrics exited {exitCode} and said:\n{output}\non this exposition:\n{exposition}");
    }

    [Fact]
    public async Task PromtoolRejectsALintProblemSoTheCheckAboveCanFail()
    {
        var (exitCode, output) = await CheckMetrics("# HELP requests Requests.\n# TYPE requests counter\nrequests 1\n");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("_total", output);
    }

    private static async Task<(int ExitCode, string Output)> CheckMetrics(string exposition)
    {
        var start = new ProcessStartInfo(PrometheusPackage.Promtool, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process promtool = Process.Start(start)!;
        Task<string> stdout = promtool.StandardOutput.ReadToEndAsync();
        Task<string> stderr = promtool.StandardError.ReadToEndAsync();
        await promtool.StandardInput.WriteAsync(exposition);
        promtool.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await promtool.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            promtool.Kill();
            throw;
        }
        return (promtool.ExitCode, ((await stdout) + (await stderr)).Trim());
    }
}
