using System.Diagnostics;

namespace Training.Tests;

public class EngineCommandTests
{
    [Fact]
    public void EngineCommandReportsLibtorch()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "align-train.dll");
        var psi = new ProcessStartInfo("dotnet", [dll, "engine"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        string error = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "align-train engine did not exit within 60 s");
        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}: {error}");
        Assert.Matches(@"libtorch:\s+\d+\.\d+", output);
        Assert.Matches(@"threads:\s+[1-9]", output);
    }

    [Fact]
    public void UnknownCommandFails()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "align-train.dll");
        var psi = new ProcessStartInfo("dotnet", [dll, "no-such-command"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process p = Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        string error = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000));
        Assert.NotEqual(0, p.ExitCode);
        Assert.Contains("no-such-command", error);
    }
}
