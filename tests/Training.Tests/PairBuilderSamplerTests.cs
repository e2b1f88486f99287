using Align.Pipelines;
using Align.ShapeWorld;
using Training.Preferences;

namespace Training.Tests;

/// <summary>
/// <c>pairs --method</c>: the builder pairs the images a sampling method returns, not plain samples; the command refuses a
/// method without its reward, and a reward without a method, by name.
/// </summary>
public sealed class PairBuilderSamplerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pairs-sampler").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void TheBuilderPairsWhatTheSamplerReturns()
    {
        using StableDiffusionModel model = StableDiffusionModel.Load(TestFiles.EmbeddedModel);
        var sampler = new ParitySampler(Category.SingleObject);
        var plan = new PairPlan(PromptsPerCategory: 3, Seeds: 4, Steps: 2, Categories: [Category.SingleObject], FirstSeed: 10);
        PairSummary summary = new PairBuilder(new TextToImagePipeline(model), new VerifierJudge(), plan, sampler).Run(_dir);

        Assert.Equal(3, sampler.Calls.Count);
        IReadOnlyList<PreferencePair> pairs = PairManifest.Read(Path.Combine(_dir, PairBuilder.ManifestName));
        Assert.Equal(summary.Pairs, pairs.Count);
        Assert.Equal(3 * 4, pairs.Count); // per prompt: both passing (even) seeds against both failing (odd) ones, the plan's 4 at most
        foreach (PreferencePair p in pairs)
        {
            Assert.True(p.ChosenSeed % 2 == 0 && p.RejectedSeed % 2 == 1, $"chosen seed {p.ChosenSeed}, rejected {p.RejectedSeed}");
            Assert.True(TestFiles.Verify(_dir, p, p.Prompt, p.Chosen).Passed, $"chosen {p.Chosen} fails \"{p.Prompt}\"");
            Assert.False(TestFiles.Verify(_dir, p, p.Prompt, p.Rejected).Passed, $"rejected {p.Rejected} passes \"{p.Prompt}\"");
        }
    }

    [Fact]
    public void ReNOImagesArePairedAndTheMethodIsRecorded()
    {
        (int exit, string output) = TestFiles.AlignTrain("pairs", "--model", TestFiles.EmbeddedModel, "--out", _dir, "--categories", "colours",
            "--prompts-per-category", "2", "--seeds", "4", "--steps", "4", "--method", "reno:1:reward",
            "--method-reward", Path.Combine(TestFiles.RepositoryRoot, "models", "shapeworld", "judge"));
        Assert.True(exit is 0 or 1, output); // 1: no pairs, when every image agreed
        Assert.Contains("images: ReNO 1 it. (reward)", output);
        string summary = File.ReadAllText(Path.Combine(_dir, "summary.json"));
        Assert.Contains("\"method\": \"ReNO 1 it. (reward)\"", summary);
        Assert.Contains("\"method_reward\": [\n    \"judge", summary.Replace("\r", "")); // the method's reward, by name
        Assert.Matches(@"colours\s+2\s+\d\s+8\s", output);
    }

    [Theory]
    [InlineData(new[] { "--method", "reno:10:reward" }, "needs a reward model (--method-reward)")]
    [InlineData(new[] { "--method-reward", "models/shapeworld/judge" }, "--method-reward is the reward of a --method")]
    [InlineData(new[] { "--method", "reno:0:reward" }, "ITERATIONS must be a positive integer")]
    public void AMethodAndItsRewardComeTogether(string[] args, string expected)
    {
        (int exit, string output) = TestFiles.AlignTrain(["pairs", "--model", TestFiles.EmbeddedModel, "--out", _dir, "--prompts-per-category", "1",
            "--seeds", "2", "--steps", "2", .. args.Select(a => a.StartsWith("models/") ? Path.Combine(TestFiles.RepositoryRoot, a) : a)]);
        Assert.NotEqual(0, exit);
        Assert.Contains(expected, output);
        Assert.False(File.Exists(Path.Combine(_dir, PairBuilder.ManifestName)), "a refused run wrote a manifest");
    }
}
