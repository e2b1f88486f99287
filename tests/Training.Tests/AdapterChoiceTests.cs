using System.Text.Json;
using Align.Adapters;
using Align.Pipelines;
using Torch;
using Training.Adapters;

namespace Training.Tests;

/// <summary><c>--adapter PATH[:WEIGHT]</c> on the sampling commands: eval and pairs sample with the adapter applied at its weight.</summary>
public sealed class AdapterChoiceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("adapter-choice").FullName;
    private readonly string _adapter;

    public AdapterChoiceTests()
    {
        // An adapter for the embedded model whose B is far from zero, so that applying it changes every image.
        _adapter = Path.Combine(_dir, "random-adapter");
        using StableDiffusionModel model = StableDiffusionModel.Load(Shared.ShapeWorldModel);
        using LoraAdapter adapter = TestAdapters.Random(model, "random-adapter", TestAdapters.UNetOnly, rank: 4, alpha: null, seed: 3, std: 0.2);
        adapter.Save(_adapter);
    }

    public void Dispose() => Directory.Delete(_dir, true);

    private static Dictionary<string, byte[]> Pngs(string dir) =>
        Directory.Exists(dir)
            ? Directory.EnumerateFiles(dir, "*.png", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(dir, f), File.ReadAllBytes)
            : [];

    private string Eval(string name, params string[] extra)
    {
        string outDir = Path.Combine(_dir, name);
        (int exit, string output) = AlignTrain.Run(["eval", "--model", Shared.ShapeWorldModel, "--prompts", "1", "--seeds", "1", "--steps", "4",
            "--out", outDir, "--threads", "2", .. extra]);
        Assert.True(exit == 0, output);
        return outDir;
    }

    [Fact]
    public void EvalSamplesWithTheAdapterAtItsWeight()
    {
        Dictionary<string, byte[]> bare = Pngs(Eval("bare"));
        string applied = Eval("applied", "--adapter", _adapter);
        Dictionary<string, byte[]> zero = Pngs(Eval("zero", "--adapter", _adapter + ":0"));

        Assert.NotEmpty(bare);
        Assert.Equal(bare.Keys.Order(), zero.Keys.Order());
        foreach ((string file, byte[] png) in bare) Assert.True(png.AsSpan().SequenceEqual(zero[file]), $"{file}: weight 0 changed the image");
        Dictionary<string, byte[]> adapted = Pngs(applied);
        Assert.Contains(bare, kv => !kv.Value.AsSpan().SequenceEqual(adapted[kv.Key]));

        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(applied, "eval.json")));
        JsonElement chosen = Assert.Single(report.RootElement.GetProperty("adapters").EnumerateArray());
        Assert.Equal("random-adapter", chosen.GetProperty("name").GetString());
        Assert.Equal(1.0, chosen.GetProperty("weight").GetDouble());
    }

    [Fact]
    public void PairsSampleWithTheAdapter()
    {
        (int Exit, string Dir) Pairs(string name, params string[] extra)
        {
            string outDir = Path.Combine(_dir, name);
            (int exit, string output) = AlignTrain.Run(["pairs", "--model", Shared.ShapeWorldModel, "--out", outDir, "--categories", "single_object",
                "--prompts-per-category", "2", "--seeds", "4", "--steps", "8", "--threads", "2", .. extra]);
            Assert.True(exit is 0 or 1, output); // 1: no pairs (every image of a prompt agreed)
            return (exit, outDir);
        }
        (int bareExit, string bare) = Pairs("pairs-bare");
        (int zeroExit, string zero) = Pairs("pairs-zero", "--adapter", _adapter + ":0");
        (_, string applied) = Pairs("pairs-applied", "--adapter", _adapter);

        Assert.Equal(0, bareExit);
        Assert.Equal(bareExit, zeroExit);
        Assert.Equal(File.ReadAllText(Path.Combine(bare, "pairs.jsonl")), File.ReadAllText(Path.Combine(zero, "pairs.jsonl")));
        Dictionary<string, byte[]> bareImages = Pngs(bare), appliedImages = Pngs(applied);
        Assert.True(!bareImages.Keys.Order().SequenceEqual(appliedImages.Keys.Order())
                    || bareImages.Any(kv => !kv.Value.AsSpan().SequenceEqual(appliedImages[kv.Key])), "the adapter changed no image");
        using JsonDocument summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(zero, "summary.json")));
        JsonElement chosen = Assert.Single(summary.RootElement.GetProperty("adapters").EnumerateArray());
        Assert.Equal(0.0, chosen.GetProperty("weight").GetDouble());
    }

    [Fact]
    public void AMissingAdapterIsNamedInTheError()
    {
        (int exit, string output) = AlignTrain.Run(["eval", "--model", Shared.ShapeWorldModel, "--prompts", "1", "--seeds", "1", "--steps", "1",
            "--adapter", "/no/such/adapter:0.5"]);
        Assert.Equal(2, exit);
        Assert.Contains("/no/such/adapter", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Theory]
    [InlineData("runs/dpo/adapter", "runs/dpo/adapter", 1.0)]
    [InlineData("runs/dpo/adapter:0.75", "runs/dpo/adapter", 0.75)]
    [InlineData("/store/a:2/adapter:-1", "/store/a:2/adapter", -1.0)]
    [InlineData("C:/adapters/x", "C:/adapters/x", 1.0)]
    public void ParsesPathAndWeight(string spec, string path, double weight) =>
        Assert.Equal((path, weight), AdapterChoiceOption.Parse(spec));

    [Fact]
    public void RefusesANonFiniteWeight() =>
        Assert.Contains("finite", Assert.Throws<ArgumentException>(() => AdapterChoiceOption.Parse("x:NaN")).Message);
}
