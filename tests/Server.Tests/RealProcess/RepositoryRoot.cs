namespace Server.Tests.RealProcess;

/// <summary>The repository the tests were built from: the folder with Server.sln above the test assembly (npm peers live in the source tree, not the build output).</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        DirectoryInfo? dir = new(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Server.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException($"no folder containing Server.sln above {AppContext.BaseDirectory}");
    }
}
