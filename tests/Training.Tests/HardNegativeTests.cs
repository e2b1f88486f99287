using Align.Models.Clip;
using Align.Rewards;
using Align.ShapeWorld;
using Align.Text;
using Torch;
using Training.Evaluation;
using Training.Pretraining;

namespace Training.Tests;

/// <summary>Hard negative captions for the ShapeWorld CLIP, the loss that uses them, and the caption-ranking check.</summary>
public class HardNegativeTests
{
    private static string Reward
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Server.sln"))) dir = dir.Parent;
            return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("no Server.sln above the tests"), "models", "shapeworld", "reward");
        }
    }

    [Fact]
    public void NegativesAreCaptionsTheRenderedScenesFail()
    {
        using var scope = torch.NewDisposeScope();
        (Tensor images, string[] captions, string[] negatives) = new ShapeWorldSource(seed: 3).SampleWithNegatives(40, new Random(5));
        int failed = 0;
        for (int i = 0; i < captions.Length; i++)
        {
            Assert.NotEqual(captions[i], negatives[i]);
            Assert.True(Verifier.Verify(CaptionParser.Parse(captions[i]), images[i]).Passed, $"the scene fails its own caption '{captions[i]}'");
            if (!Verifier.Verify(CaptionParser.Parse(negatives[i]), images[i]).Passed) failed++;
        }
        Assert.True(failed >= 38, $"only {failed} of 40 scenes fail their negative caption");
    }

    [Fact]
    public void TwinsAreScenesOfContradictedCaptionsThatFailEachOthersCaption()
    {
        using var scope = torch.NewDisposeScope();
        const int pairs = 30;
        (Tensor images, string[] captions) = new ShapeWorldSource(seed: 3).SampleTwins(pairs, new Random(7));
        Assert.Equal(2 * pairs, images.Size(0));
        int crossFailures = 0;
        for (int i = 0; i < pairs; i++)
        {
            string caption = captions[i], twin = captions[pairs + i];
            Assert.True(Verifier.Verify(CaptionParser.Parse(caption), images[i]).Passed, $"scene {i} fails its own caption '{caption}'");
            Assert.True(Verifier.Verify(CaptionParser.Parse(twin), images[pairs + i]).Passed, $"twin {i} fails its own caption '{twin}'");
            if (!Verifier.Verify(CaptionParser.Parse(twin), images[i]).Passed && !Verifier.Verify(CaptionParser.Parse(caption), images[pairs + i]).Passed)
                crossFailures++;
        }
        // the verifier reads rendered pixels, so a rare edge case may pass a caption the scene's objects fail
        Assert.True(crossFailures >= pairs - 2, $"only {crossFailures} of {pairs} twins fail each other's caption");
    }

    [Fact]
    public void ASourceOfChosenCategoriesDrawsOnlyThose()
    {
        using var scope = torch.NewDisposeScope();
        var source = new ShapeWorldSource(seed: 3, bothSplits: true, categories: [Category.Position, Category.Counting]);
        (_, string[] captions) = source.SampleTwins(20, new Random(2));
        Category[] seen = captions.Take(20).Select(c => CaptionParser.Parse(c).Category).Distinct().Order().ToArray();
        Assert.Equal([Category.Counting, Category.Position], seen);
    }

    [Fact]
    public void RankingWithTheVerifierAsRewardIsNearlyPerfect()
    {
        RankingResult r = ClipRanking.Run(new ShapeWorldVerifierReward(), scenes: 120);
        Assert.True(r.Overall > 0.95, $"verifier ranks its own captions first in only {r.Overall:P1}");
        Assert.Equal(6, r.ByCategory.Count);
    }

    [Fact]
    public void AHardNegativeStepTrainsTheClipAndCountsTheNegatives()
    {
        using var scope = torch.NewDisposeScope();
        using ClipModel clip = ClipModel.FromPretrained(Reward);
        var task = new ClipTask(clip, ClipTokenizer.FromDirectory(Reward), new ShapeWorldSource(seed: 1), batch: 8, ClipNegatives.Captions);
        IReadOnlyDictionary<string, double> metrics = task.Step(0, new Random(2), new Generator(3));
        Assert.True(double.IsFinite(metrics["loss"]) && metrics["loss"] > 0, $"loss {metrics["loss"]}");
        Assert.All(clip.Parameters(), p => Assert.NotNull(p.Grad));
    }
}
