using System.Text.Json;
using Torch;

namespace Align.Tests;

/// <summary>The reference models and outputs in ../shared/ref (next to the repository root), and the tolerance check its README states.</summary>
public static class Reference
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;
    public static string Model(string name) => Path.Combine(Root, "models", name);
    public static string Refs(string file) => Path.Combine(Root, "refs", file);

    /// <summary>Opens a reference tensor file (shared/ref/refs/NAME).</summary>
    public static SafetensorsFile Open(string file)
    {
        string path = Refs(file);
        Assert.True(File.Exists(path), $"reference file {path} is missing");
        return Safetensors.Open(path);
    }

    /// <summary>A metadata entry of a reference file parsed as JSON.</summary>
    public static JsonElement MetadataJson(SafetensorsFile file, string key) => JsonDocument.Parse(file.Metadata[key]).RootElement;

    /// <summary>Asserts |ours − ref| ≤ rtol × max(1, |ref|) element-wise (the tolerance of ref/README.md).</summary>
    /// <param name="atol">an absolute floor, where the reference's own float32 spread exceeds rtol (see the callers)</param>
    public static void AssertClose(Tensor expected, Tensor actual, string what, double rtol = 1e-4, double atol = 0)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        using var scope = torch.NewDisposeScope();
        Tensor e = expected.To(DType.Float64), a = actual.To(DType.Float64);
        Tensor allowed = (e.Abs().ClampMin(1.0) * rtol).ClampMin(atol);
        Tensor excess = (a - e).Abs() - allowed;
        double worst = excess.Max().ToDouble();
        if (worst > 0)
        {
            double maxDiff = (a - e).Abs().Max().ToDouble();
            Assert.Fail($"{what}: max |diff| {maxDiff:G4} exceeds tolerance {rtol:G2}·max(1,|ref|) by {worst:G4}");
        }
    }

    /// <summary>The repository checkout (the folder holding Server.sln) the tests run from.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string FindRepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Server.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException($"no Server.sln above {AppContext.BaseDirectory}: cannot find the repository root");
    }

    private static string FindRoot()
    {
        string root = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "ref"));
        if (!Directory.Exists(root))
            throw new InvalidOperationException($"the reference models are missing: expected {root} (shared/ beside the repository)");
        return root;
    }
}
