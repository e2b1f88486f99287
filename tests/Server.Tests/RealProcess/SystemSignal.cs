using System.Runtime.InteropServices;

namespace Server.Tests.RealProcess;

/// <summary>POSIX signals to a child process (graceful shutdown is started by SIGTERM).</summary>
internal static partial class SystemSignal
{
    private const int SIGTERM = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public static void Terminate(int pid)
    {
        if (Kill(pid, SIGTERM) != 0) throw new InvalidOperationException($"kill({pid}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
    }
}
