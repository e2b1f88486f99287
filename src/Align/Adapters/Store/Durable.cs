using System.Runtime.InteropServices;

namespace Align.Adapters.Store;

/// <summary>fsync of a directory (makes renames and new entries in it durable), which .NET's file APIs do not offer.</summary>
internal static partial class Durable
{
    private const int ReadOnly = 0, Directory = 0x10000; // O_RDONLY, O_DIRECTORY (Linux)

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    public static void FlushDirectory(string path)
    {
        if (!OperatingSystem.IsLinux()) return; // elsewhere renames are left to the OS's own ordering
        int fd = Open(path, ReadOnly | Directory);
        if (fd < 0) throw new IOException($"{path}: cannot open the folder to flush it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"{path}: fsync failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            Close(fd);
        }
    }
}
