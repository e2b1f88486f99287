using Align.ShapeWorld;
using Training.Preferences;

namespace Training.Tests;

/// <summary><c>align-train pairs</c> on the embedded model with tiny settings: what it writes is what it says.</summary>
public sealed class PairsCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pairs").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static void AssertTrainSplit(PreferencePair pair, string prompt)
    {
        Category category = CategoryNames.Parse(pair.Category!);
        Spec spec = CaptionParser.Parse(prompt, category);
        Assert.Contains(spec, PromptSuite.Specs(category, Split.Train));
        Assert.DoesNotContain(spec, PromptSuite.Specs(category, Split.Eval));
    }

    [Fact]
    public void SamePromptPairsHaveAPassingChosenAndAFailingRejectedImage()
    {
        (int exit, string output) = TestFiles.AlignTrain("pairs", "--model", TestFiles.EmbeddedModel, "--out", _dir, "--categories", "single_object", "counting",
            "--prompts-per-category", "2", "--seeds", "4", "--steps", "8");
        Assert.True(exit == 0, output);
        Assert.Matches(@"single object\s+2\s+\d\s+8\s", output); // the summary: prompts, kept, images per category
        IReadOnlyList<PreferencePair> pairs = PairManifest.Read(Path.Combine(_dir, PairBuilder.ManifestName));
        Assert.True(pairs.Count >= 2, $"only {pairs.Count} pairs: {output}");
        foreach (PreferencePair p in pairs)
        {
            Assert.Equal(PreferencePair.SamePrompt, p.Kind);
            Assert.False(Path.IsPathRooted(p.Chosen));
            Assert.NotEqual(p.Chosen, p.Rejected);
            AssertTrainSplit(p, p.Prompt);
            Assert.True(TestFiles.Verify(_dir, p, p.Prompt, p.Chosen).Passed, $"chosen {p.Chosen} fails \"{p.Prompt}\"");
            Assert.False(TestFiles.Verify(_dir, p, p.Prompt, p.Rejected).Passed, $"rejected {p.Rejected} passes \"{p.Prompt}\"");
        }
        // The manifest is JSONL with the documented keys.
        string first = File.ReadLines(Path.Combine(_dir, PairBuilder.ManifestName)).First();
        using var doc = System.Text.Json.JsonDocument.Parse(first);
        foreach (string key in new[] { "prompt", "chosen", "rejected", "category" }) Assert.True(doc.RootElement.TryGetProperty(key, out _), $"no \"{key}\" in {first}");
    }

    [Fact]
    public void CrossPairsAreMirroredTriplesOfContrastingPrompts()
    {
        (int exit, string output) = TestFiles.AlignTrain("pairs", "--model", TestFiles.EmbeddedModel, "--out", _dir, "--cross", "--categories", "single_object", "colours",
            "--prompts-per-category", "2", "--seeds", "4", "--steps", "8");
        Assert.True(exit == 0, output);
        IReadOnlyList<PreferencePair> pairs = PairManifest.Read(Path.Combine(_dir, PairBuilder.ManifestName));
        Assert.True(pairs.Count >= 2 && pairs.Count % 2 == 0, $"{pairs.Count} cross pairs: {output}");
        for (int i = 0; i < pairs.Count; i += 2)
        {
            PreferencePair a = pairs[i], b = pairs[i + 1]; // (x1, y1 ≻ y2) then (x2, y2 ≻ y1)
            Assert.Equal(PreferencePair.Cross, a.Kind);
            Assert.Equal(a.ContrastPrompt, b.Prompt);
            Assert.Equal(b.ContrastPrompt, a.Prompt);
            Assert.Equal(a.Chosen, b.Rejected);
            Assert.Equal(a.Rejected, b.Chosen);
            Category category = CategoryNames.Parse(a.Category!);
            Spec x1 = CaptionParser.Parse(a.Prompt, category), x2 = CaptionParser.Parse(b.Prompt, category);
            Assert.Contains(x2, SpecPerturbation.Candidates(x1)); // a one-attribute contradiction
            AssertTrainSplit(a, a.Prompt);
            AssertTrainSplit(b, b.Prompt);
            Assert.True(TestFiles.Verify(_dir, a, a.Prompt, a.Chosen).Passed, "y1 fails x1");
            Assert.False(TestFiles.Verify(_dir, a, b.Prompt, a.Chosen).Passed, "y1 passes x2");
            Assert.True(TestFiles.Verify(_dir, a, b.Prompt, a.Rejected).Passed, "y2 fails x2");
            Assert.False(TestFiles.Verify(_dir, a, a.Prompt, a.Rejected).Passed, "y2 passes x1");
        }
    }
}
