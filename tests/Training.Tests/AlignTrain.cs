using System.Diagnostics;

namespace Training.Tests;

/// <summary>Runs the align-train CLI built beside the tests as a separate process.</summary>
public static class AlignTrain
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "align-train.dll");

    public static (int Exit, string Output) Run(params string[] args)
    {
        using Process p = Process.Start(DotnetChild.StartInfo(Dll, args))!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(), stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(300_000))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(); // gone before the test's temporary directories are deleted
            Assert.Fail($"align-train {string.Join(' ', args)} did not finish in 5 minutes");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
