using Align.ShapeWorld;
using Training.Preferences;

namespace Training.Tests;

/// <summary>Which images become pairs, and the manifest format, without a model.</summary>
public class PairSelectionTests
{
    [Fact]
    public void SamePromptPairsPassingAgainstFailingBestFirst()
    {
        double[] verdicts = [0, 1, 0, 1];
        var pairs = PairSelection.SamePrompt(verdicts, max: 10);
        Assert.Equal(4, pairs.Count); // 2 passing × 2 failing
        Assert.All(pairs, p => Assert.True(verdicts[p.Chosen] == 1 && verdicts[p.Rejected] == 0));
        Assert.Equal(2, PairSelection.SamePrompt(verdicts, max: 2).Select(p => p.Chosen).Distinct().Count()); // spread over the images
        Assert.Empty(PairSelection.SamePrompt([1, 1, 1], 4));
        Assert.Empty(PairSelection.SamePrompt([0, 0], 4));

        double[] scores = [0.2, 0.9, double.NaN, 0.5];
        Assert.Equal((1, 0), PairSelection.SamePrompt(scores, 1)[0]); // best against worst
        Assert.DoesNotContain(PairSelection.SamePrompt(scores, 10), p => p.Chosen == 2 || p.Rejected == 2);
        Assert.Equal([(1, 0)], PairSelection.SamePrompt(scores, 10, margin: 0.5));
    }

    [Fact]
    public void CrossPairsNeedEachImageToWinUnderItsOwnPrompt()
    {
        // Against x1: images 0 and 1 pass; against x2: images 2 and 1 pass. Image 1 passes both, so it pairs with no one.
        double[] x1 = [1, 1, 0, 0], x2 = [0, 1, 1, 0];
        var pairs = PairSelection.Cross(x1, x2, max: 4);
        Assert.Equal([(0, 2)], pairs);
        Assert.Empty(PairSelection.Cross([1, 1], [1, 1], 4));
        Assert.Equal(2, PairSelection.Cross([1, 1, 0, 0], [0, 0, 1, 1], 4).Count); // each image once
    }

    [Fact]
    public void ContrastsAreTrainSplitContradictions()
    {
        var random = new Random(1);
        foreach (Category category in Vocabulary.Categories)
            foreach (Prompt prompt in PromptSuite.Sample(category, Split.Train, 5, 0))
                if (PairBuilder.Contrast(prompt, random) is { } contrast)
                {
                    Assert.Contains(contrast.Spec, SpecPerturbation.Candidates(prompt.Spec));
                    Assert.Contains(contrast.Spec, PromptSuite.Specs(category, Split.Train));
                    Assert.Equal(contrast.Spec, CaptionParser.Parse(contrast.Text, category));
                }
    }

    [Fact]
    public void ManifestRoundTripsAndRefusesBadLines()
    {
        string dir = Directory.CreateTempSubdirectory("manifest").FullName;
        try
        {
            string manifest = TestFiles.WriteRenderedManifest(dir, 2);
            IReadOnlyList<PreferencePair> pairs = PairManifest.Read(manifest);
            Assert.Equal(2, pairs.Count);
            Assert.All(pairs, p => Assert.True(File.Exists(PairManifest.Resolve(dir, p.Chosen))));

            File.AppendAllText(manifest, "{\"prompt\": \"a red circle\", \"chosen\": \"img/missing.png\", \"rejected\": \"img/0w.png\"}\n");
            Assert.Contains(":3: image img/missing.png not found", Assert.Throws<InvalidDataException>(() => PairManifest.Read(manifest)).Message);
            File.WriteAllText(manifest, "{\"prompt\": \"a red circle\"}\n");
            Assert.Contains(":1:", Assert.Throws<InvalidDataException>(() => PairManifest.Read(manifest)).Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("single_object", Category.SingleObject)]
    [InlineData("colour attribution", Category.ColourAttribution)]
    [InlineData("TwoObjects", Category.TwoObjects)]
    [InlineData("two-objects", Category.TwoObjects)]
    public void CategoryNamesParse(string text, Category expected) => Assert.Equal(expected, CategoryNames.Parse(text));
}
