using Align.Pipelines;
using Align.ShapeWorld;
using Training.Preferences;

namespace Training.Tests;

/// <summary>
/// <c>corrected-pairs</c>: each rejected image of a manifest is redrawn from its own seed by the method, once, and paired as chosen
/// against it only where the verifier passes the redraw; limits and categories choose which; a manifest it cannot redraw from
/// is refused before anything is written.
/// </summary>
public sealed class CorrectedPairsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("corrected-pairs").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    // A manifest of colours prompts whose rejected images are blank canvases: prompt k rejects seeds 10k+1 … 10k+4, and a
    // second pair names its first rejected image again.
    private string FailedManifest(int prompts, long? seedOf = null)
    {
        string source = Path.Combine(_dir, "source");
        Directory.CreateDirectory(Path.Combine(source, "img"));
        byte[] blank = ParitySampler.Blank.ToPng();
        var pairs = new List<PreferencePair>();
        IReadOnlyList<Prompt> sampled = PromptSuite.Sample(Category.Colours, Split.Train, prompts, 5);
        for (int k = 0; k < prompts; k++)
            for (int j = 1; j <= 4; j++)
            {
                long seed = 10L * k + j;
                File.WriteAllBytes(Path.Combine(source, "img", $"{seed}.png"), blank);
                pairs.Add(new PreferencePair
                {
                    Prompt = sampled[k].Text, Chosen = $"img/{seed}.png", Rejected = $"img/{seed}.png", Category = "colours",
                    Kind = PreferencePair.SamePrompt, ChosenSeed = seed, RejectedSeed = seedOf ?? seed,
                });
                if (j == 1) pairs.Add(pairs[^1]);
            }
        string manifest = Path.Combine(source, "pairs.jsonl");
        PairManifest.Write(manifest, pairs);
        return manifest;
    }

    [Fact]
    public void EachRejectedImageIsRedrawnFromItsSeedOnceAndPairedWhereTheRedrawPasses()
    {
        string source = FailedManifest(prompts: 3), output = Path.Combine(_dir, "out");
        using StableDiffusionModel model = StableDiffusionModel.Load(TestFiles.EmbeddedModel);
        var sampler = new ParitySampler(Category.Colours);
        var (manifest, categories) = new CorrectedPairs(new TextToImagePipeline(model), sampler, steps: 2, guidance: 5)
            .Run(source, output, categories: null, perCategory: null);

        Assert.Equal([[1, 2, 3, 4], [11, 12, 13, 14], [21, 22, 23, 24]], sampler.Calls); // one request per prompt, each image once
        Assert.Equal([("colours", 12, 6)], categories);
        IReadOnlyList<PreferencePair> pairs = PairManifest.Read(manifest);
        Assert.Equal([2, 4, 12, 14, 22, 24], pairs.Select(p => p.ChosenSeed!.Value).Order());
        foreach (PreferencePair p in pairs)
        {
            Assert.Equal(p.ChosenSeed, p.RejectedSeed);
            Assert.Equal(Path.Combine(Path.GetDirectoryName(source)!, "img", $"{p.RejectedSeed}.png"), p.Rejected);
            Assert.True(TestFiles.Verify(output, p, p.Prompt, p.Chosen).Passed, $"chosen {p.Chosen} fails \"{p.Prompt}\"");
            Assert.Equal(("shapeworld-verifier", 1.0, 0.0), (p.Judge, p.ChosenScore, p.RejectedScore));
        }
        Assert.False(File.Exists(manifest + ".partial"));
    }

    [Fact]
    public void PerCategoryTakesTheFirstRejectedImagesAndCategoriesFilter()
    {
        string source = FailedManifest(prompts: 3);
        using StableDiffusionModel model = StableDiffusionModel.Load(TestFiles.EmbeddedModel);
        var sampler = new ParitySampler(Category.Colours);
        var builder = new CorrectedPairs(new TextToImagePipeline(model), sampler, steps: 2, guidance: 5);
        builder.Run(source, Path.Combine(_dir, "five"), categories: null, perCategory: 5);
        Assert.Equal([[1, 2, 3, 4], [11]], sampler.Calls);

        sampler.Calls.Clear();
        var refused = Assert.Throws<InvalidDataException>(() => builder.Run(source, Path.Combine(_dir, "none"), categories: [Category.Counting], perCategory: null));
        Assert.EndsWith("no rejected images of counting", refused.Message);
        Assert.Empty(sampler.Calls);
        Assert.False(Directory.Exists(Path.Combine(_dir, "none")));
    }

    [Fact]
    public void AManifestWithoutRejectedSeedsIsRefusedByLineBeforeAnythingIsWritten()
    {
        string source = FailedManifest(prompts: 1);
        string[] lines = File.ReadAllLines(source);
        lines[2] = lines[2].Replace(",\"rejected_seed\":2", "");
        File.WriteAllLines(source, lines);
        string output = Path.Combine(_dir, "out");
        (int exit, string text) = TestFiles.AlignTrain("corrected-pairs", "--model", TestFiles.EmbeddedModel, "--from", source, "--out", output,
            "--method", "reno:1:reward", "--method-reward", "shapeworld-soft-verifier", "--steps", "2");
        Assert.Equal(2, exit);
        Assert.Contains("pair 3: not a same-prompt pair with its rejected seed", text);
        Assert.False(Directory.Exists(output), "a refused run wrote its output directory");
    }

    [Fact]
    public void ReNOAgainstTheSoftVerifierCorrectsFromTheCommandLine()
    {
        string source = FailedManifest(prompts: 1), output = Path.Combine(_dir, "out");
        (int exit, string text) = TestFiles.AlignTrain("corrected-pairs", "--model", TestFiles.EmbeddedModel, "--from", source, "--out", output,
            "--method", "reno:1:reward", "--method-reward", "shapeworld-soft-verifier", "--steps", "4");
        Assert.True(exit is 0 or 1, text); // 1: no redraw passed
        Assert.Matches(@"colours: \d of 4 redrawn images pass \(ReNO 1 it\. \(reward\)\)", text);
        Assert.True(File.Exists(Path.Combine(output, PairBuilder.ManifestName)), text);
    }

    [Fact]
    public void StopAtRewardReachesReNOAndIsRefusedForOtherMethods()
    {
        string source = FailedManifest(prompts: 1), output = Path.Combine(_dir, "out");
        (int exit, string text) = TestFiles.AlignTrain("corrected-pairs", "--model", TestFiles.EmbeddedModel, "--from", source, "--out", output,
            "--method", "reno:2:reward", "--method-reward", "shapeworld-soft-verifier", "--stop-at-reward", "-0.105", "--steps", "4");
        Assert.True(exit is 0 or 1, text);
        Assert.Contains("(ReNO 2 it. (reward), stopping at reward -0.105)", text);

        string refusedOut = Path.Combine(_dir, "refused");
        (exit, text) = TestFiles.AlignTrain("corrected-pairs", "--model", TestFiles.EmbeddedModel, "--from", source, "--out", refusedOut,
            "--method", "best_of_n:2:reward", "--method-reward", "shapeworld-soft-verifier", "--stop-at-reward", "-0.105", "--steps", "4");
        Assert.Equal(2, exit);
        Assert.Contains("--stop-at-reward: only a reno method stops at a reward, not best-of-2 (reward)", text);
        Assert.False(Directory.Exists(refusedOut), "a refused run wrote its output directory");
    }
}
