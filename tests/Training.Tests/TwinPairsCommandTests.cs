using Align.ShapeWorld;
using Training.Preferences;

namespace Training.Tests;

/// <summary><c>align-train twin-pairs</c>: rendered scenes of train prompts against their counterfactual twins.</summary>
public sealed class TwinPairsCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("twin-pairs").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void EachPairIsATrainPromptsSceneAgainstATwinThatSatisfiesATrainContradictionAndWithCrossItsMirror()
    {
        (int exit, string log) = AlignTrain.Run("twin-pairs", "--out", _dir, "--prompts-per-category", "3", "--per-prompt", "2", "--cross",
            "--categories", "position", "colours");
        Assert.True(exit == 0, log);
        IReadOnlyList<PreferencePair> pairs = PairManifest.Read(Path.Combine(_dir, PairBuilder.ManifestName));
        Assert.Equal(24, pairs.Count);
        Assert.Contains("position: 12 pairs", log);
        Assert.Equal(["position", "colours"], pairs.Select(p => p.Category).Distinct());
        for (int i = 0; i < pairs.Count; i += 2)
        {
            PreferencePair pair = pairs[i], mirror = pairs[i + 1];
            Assert.Equal((pair.Chosen, pair.Rejected, pair.Prompt, pair.ContrastPrompt), (mirror.Rejected, mirror.Chosen, mirror.ContrastPrompt, mirror.Prompt));
            Assert.Equal(RenderedTwinPairs.Judge, pair.Judge);
            Category category = CategoryNames.Parse(pair.Category!);
            foreach (PreferencePair p in new[] { pair, mirror })
            {
                Spec spec = CaptionParser.TryParse(p.Prompt, out string? error, category) ?? throw new Exception(error);
                Assert.Contains(spec, PromptSuite.Specs(category, Split.Train));
                Assert.True(TestFiles.Verify(_dir, p, p.Prompt, p.Chosen).Passed, $"{p.Chosen} fails \"{p.Prompt}\"");
                Assert.False(TestFiles.Verify(_dir, p, p.Prompt, p.Rejected).Passed, $"{p.Rejected} passes \"{p.Prompt}\"");
            }
        }
    }

    [Fact]
    public void WithoutCrossOnlyTheForwardPairsAreWritten()
    {
        (int exit, string log) = AlignTrain.Run("twin-pairs", "--out", _dir, "--prompts-per-category", "2", "--per-prompt", "1", "--categories", "counting");
        Assert.True(exit == 0, log);
        IReadOnlyList<PreferencePair> pairs = PairManifest.Read(Path.Combine(_dir, PairBuilder.ManifestName));
        Assert.Equal(2, pairs.Count);
        Assert.NotEqual(pairs[0].Chosen, pairs[1].Rejected);
    }

    [Fact]
    public void ZeroPairsPerPromptIsRefused()
    {
        (int exit, string log) = AlignTrain.Run("twin-pairs", "--out", _dir, "--per-prompt", "0");
        Assert.Equal(2, exit);
        Assert.Contains("--per-prompt must be at least 1", log);
    }
}
