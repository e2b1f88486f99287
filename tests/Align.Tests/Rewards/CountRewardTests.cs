using Align.Models;
using Align.Rewards;
using Align.ShapeWorld;
using Torch;

namespace Align.Tests.Rewards;

/// <summary>The ShapeWorld counter: its layout, what it scores for which prompts, where its gradient goes, and what it refuses.</summary>
public class CountRewardTests
{
    // A counter of random weights (seed 5) for 32-pixel images, its density bias raised so that it counts a few objects per class.
    private static CountReward NewCounter()
    {
        torch.ManualSeed(5);
        var head = new CountHead(new CountConfig { ImageSize = 32, Channels = 8, NumBlocks = 1 });
        using (Autograd.NoGrad()) head.density.Bias!.Fill_(-3.0);
        return (CountReward)RewardModels.Freeze(new CountReward(head));
    }

    private static TempDirectory Saved(CountReward counter)
    {
        var dir = new TempDirectory("counter");
        counter.SavePretrained(dir.Path);
        return dir;
    }

    [Fact]
    public void LoadsByItsLayoutAndKeepsItsCounts()
    {
        using var scope = torch.NewDisposeScope();
        using CountReward counter = NewCounter();
        using TempDirectory saved = Saved(counter);
        using IRewardModel loaded = RewardModels.Load(saved.Path, "shapeworld-count", Device.CPU);
        var reloaded = Assert.IsType<CountReward>(loaded);
        Assert.Equal("shapeworld-count", reloaded.Name);
        Assert.True(reloaded.IsDifferentiable);
        Tensor images = torch.Rand([2, 3, 32, 32], new Generator(3));
        using (Autograd.NoGrad())
            Assert.Equal(counter.Head.Counts(images).ToArray<float>(), reloaded.Head.Counts(images).ToArray<float>());
    }

    [Fact]
    public void ACountedTermScoresMinusTheSquaredErrorOfTheObjectsItMatches()
    {
        using var scope = torch.NewDisposeScope();
        using CountReward counter = NewCounter();
        Tensor images = torch.Rand([3, 3, 32, 32], new Generator(8));
        using var noGrad = Autograd.NoGrad();
        float[] counts = counter.Head.Counts(images).ToArray<float>();
        int classes = CountHead.ClassCount;
        double Count(int image, Shape shape, Colour? colour) =>
            Vocabulary.Colours.Where(c => colour is null || c == colour).Sum(c => (double)counts[image * classes + CountHead.ClassOf(shape, c)]);

        float[] scores = counter.Score(images, ["three red circles", "two squares", "exactly four blue triangles"]).ToArray<float>();

        Close(-Math.Pow(Count(0, Shape.Circle, Colour.Red) - 3, 2), scores[0]);
        Close(-Math.Pow(Count(1, Shape.Square, null) - 2, 2), scores[1]);
        Close(-Math.Pow(Count(2, Shape.Triangle, Colour.Blue) - 4, 2), scores[2]);
        Assert.True(Count(1, Shape.Square, null) > Count(1, Shape.Square, Colour.Red), "an uncoloured term counts every colour of its shape");
    }

    private static void Close(double expected, float actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-4 * Math.Max(1, Math.Abs(expected)), $"expected {expected}, scored {actual}");

    [Fact]
    public void APromptThatAsksForNoNumberScoresZeroAndGivesNoGradientAndAForeignOneIsNaN()
    {
        using var scope = torch.NewDisposeScope();
        using CountReward counter = NewCounter();
        Tensor images = torch.Rand([3, 3, 32, 32], new Generator(9)).RequiresGrad_();

        Tensor scores = counter.Score(images, ["two green squares", "a red circle to the left of a blue square", "a photo of a cat"]);

        float[] values = scores.Detach().ToArray<float>();
        Assert.True(values[0] < 0);
        Assert.Equal(0f, values[1]);
        Assert.True(float.IsNaN(values[2]), "a prompt outside ShapeWorld's grammar cannot be judged");
        scores.Narrow(0, 0, 2).Sum().Backward();
        Tensor grad = images.Grad!;
        Assert.True(grad[0].Abs().Sum().ToDouble() > 0, "the counted prompt's image gets a gradient");
        Assert.Equal(0.0, grad[1].Abs().Sum().ToDouble());
    }

    [Fact]
    public void AnUntrainedHeadCountsAboutNothing()
    {
        using var scope = torch.NewDisposeScope();
        torch.ManualSeed(6);
        using var head = new CountHead(new CountConfig());
        using var noGrad = Autograd.NoGrad();
        Tensor counts = head.Counts(torch.Rand([2, 3, 64, 64], new Generator(2)));
        Assert.Equal([2L, CountHead.ClassCount], counts.Shape);
        Assert.True(counts.Max().ToDouble() < 1.0, $"an untrained class counts {counts.Max().ToDouble():F2} objects");
    }

    [Fact]
    public void AHeadForAnotherVocabularyIsRefusedNamingWhy()
    {
        using var temp = new TempDirectory("counter");
        string dir = temp.Path;
        using (CountReward counter = NewCounter()) counter.SavePretrained(dir);
        string config = Path.Combine(dir, CountReward.HeadDirectory, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace($"\"num_classes\": {CountHead.ClassCount}", "\"num_classes\": 12"));

        var e = Assert.Throws<ModelLoadException>(() => RewardModels.Load(dir, "count", Device.CPU));
        Assert.Contains("num_classes is 12", e.Message);
    }
}
