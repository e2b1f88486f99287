namespace Training.Tests;

/// <summary>The repository checkout the tests run from and the tiny reference models in ../shared/ref beside it.</summary>
public static class Shared
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>A reference model directory (shared/ref/models/NAME), asserted to exist.</summary>
    public static string ReferenceModel(string name)
    {
        string path = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "ref", "models", name));
        Assert.True(Directory.Exists(path), $"the reference model {path} is missing (shared/ beside the repository)");
        return path;
    }

    /// <summary>The embedded ShapeWorld model directory (models/shapeworld/model), with its reward beside it.</summary>
    public static string ShapeWorldModel => Path.Combine(RepositoryRoot, "models", "shapeworld", "model");

    private static string FindRepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Server.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException($"no Server.sln above {AppContext.BaseDirectory}: cannot find the repository root");
    }
}
