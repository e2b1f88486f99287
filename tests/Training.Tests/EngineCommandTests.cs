using System.Diagnostics;

namespace Training.Tests;

public class EngineCommandTests
{
    [Fact]
    public void EngineCommandReportsLibtorch()
    {
        using Process p = Process.Start(DotnetChild.StartInfo(AlignTrain.Dll, "engine"))!;
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
        using Process p = Process.Start(DotnetChild.StartInfo(AlignTrain.Dll, "no-such-command"))!;
        p.StandardOutput.ReadToEnd();
        string error = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000));
        Assert.NotEqual(0, p.ExitCode);
        Assert.Contains("no-such-command", error);
    }
}
