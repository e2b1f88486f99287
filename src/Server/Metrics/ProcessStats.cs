using System.Diagnostics;

namespace Server.Metrics;

/// <summary>Cheap reads of this process's state for the process gauges.</summary>
internal static class ProcessStats
{
    private const string FileDescriptorDirectory = "/proc/self/fd";

    /// <summary>When this process started, in seconds since the Unix epoch.</summary>
    public static double StartTimeUnixSeconds()
    {
        using Process self = Process.GetCurrentProcess();
        return new DateTimeOffset(self.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;
    }

    /// <summary>Open file descriptors, or null where /proc is not available.</summary>
    public static long? OpenFileDescriptors()
    {
        if (!Directory.Exists(FileDescriptorDirectory)) return null;
        long count = 0;
        foreach (string _ in Directory.EnumerateFileSystemEntries(FileDescriptorDirectory)) count++;
        return count - 1; // the enumeration itself holds one descriptor open on the directory
    }
}
