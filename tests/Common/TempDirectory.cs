namespace Tests.Common;

/// <summary>
/// A fresh directory under the system temp folder (<see cref="Directory.CreateTempSubdirectory"/>: the prefix, then random
/// characters), deleted with everything in it on dispose, so that a test run leaves the temp folder as it found it.
/// Shared by the four test projects (each links this file).
/// </summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix) => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    public string Path { get; }

    public override string ToString() => Path;

    public void Dispose()
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                Directory.Delete(Path, recursive: true);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return; // deleted already (by the test, or by an earlier Dispose)
            }
            // A child process that writes into the directory (a server, Prometheus) is stopped before the directory is
            // disposed, but files it flushed while shutting down can appear between the enumeration and the rmdir, which
            // then fails with "Directory not empty": try again for up to two seconds, then let the test fail on it.
            catch (IOException) when (attempt < 20)
            {
                Thread.Sleep(100);
            }
        }
    }
}
