using System.Diagnostics;

namespace Tests.Common;

/// <summary>How the tests start a .NET program built beside them (the server, align-train) as a child process.</summary>
public static class DotnetChild
{
    /// <summary>
    /// <c>dotnet DLL ARGS…</c> with standard output and error redirected, and without the runtime's diagnostic socket and
    /// debugger pipes: a child that is killed leaves them in /tmp (dotnet-diagnostic-PID-*, clr-debug-pipe-PID-*).
    /// </summary>
    public static ProcessStartInfo StartInfo(string dll, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet", [dll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["DOTNET_EnableDiagnostics_IPC"] = "0";
        info.Environment["DOTNET_EnableDiagnostics_Debugger"] = "0";
        return info;
    }
}
