using System.Diagnostics;
using Align.Adapters.Store;

namespace Training.Tests;

/// <summary><c>align-train publish</c> killed at random moments never leaves a current version that is partial or damaged.</summary>
public sealed class PublishCrashTests : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), $"publish-crash-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_work)) Directory.Delete(_work, true);
    }

    [Fact]
    public void KilledPublishesLeaveTheStoreConsistent()
    {
        string store = Path.Combine(_work, "store"), source = Path.Combine(_work, "adapter");
        Directory.CreateDirectory(source);
        var random = new Random(3);
        var big = new byte[48 << 20]; // large enough that a kill often lands mid-copy
        random.NextBytes(big);
        File.WriteAllBytes(Path.Combine(source, "adapter_model.safetensors"), big);
        File.WriteAllText(Path.Combine(source, "adapter_config.json"), "{}");

        var watch = Stopwatch.StartNew();
        Assert.Equal(0, Publish(store, source, killAfterMs: null)); // version 1, complete
        // Kills land within the time a whole publish takes on this machine (start-up included), however fast or loaded it is:
        // the fastest complete publish so far, since the first one runs cold and later ones may be quicker.
        int whole = (int)watch.ElapsedMilliseconds;
        int completed = 1, killed = 0;
        for (int round = 0; round < 8; round++)
        {
            File.WriteAllText(Path.Combine(source, "adapter_config.json"), $"{{\"round\": {round}}}");
            watch.Restart();
            int? code = Publish(store, source, killAfterMs: random.Next(whole * 3 / 10, whole * 95 / 100));
            if (code == 0) (completed, whole) = (completed + 1, Math.Min(whole, (int)watch.ElapsedMilliseconds));
            else killed++;

            AdapterVersion current = new AdapterStore(store).Current("crashy") ?? throw new Xunit.Sdk.XunitException("the store lost its adapter");
            AdapterStore.Verify(current); // complete and undamaged, whichever version it is
            Assert.True(current.Number >= completed, $"current version {current.Version} is older than the {completed} completed publishes");
        }
        Assert.True(killed > 0, "no publish was killed: the test proved nothing (the kill delays must fall inside a publish)");
    }

    // Exit code, or null when the process was killed before it finished.
    private static int? Publish(string store, string source, int? killAfterMs)
    {
        ProcessStartInfo psi = DotnetChild.StartInfo(AlignTrain.Dll, "publish", "--store", store, "--name", "crashy", "--from", source);
        using Process p = Process.Start(psi)!;
        if (killAfterMs is int ms && !p.WaitForExit(ms))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return null;
        }
        Assert.True(p.WaitForExit(60_000), "align-train publish did not finish in 60 s");
        if (p.ExitCode != 0) throw new Xunit.Sdk.XunitException($"publish failed: {p.StandardError.ReadToEnd()}");
        return p.ExitCode;
    }
}
