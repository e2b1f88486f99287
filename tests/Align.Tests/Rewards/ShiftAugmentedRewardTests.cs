using Align.Rewards;
using Torch;

namespace Align.Tests.Rewards;

/// <summary>The shift-averaged reward: the mean of its inner reward over shifted copies, differentiable through the shifts.</summary>
public class ShiftAugmentedRewardTests
{
    /// <summary>Scores an image by the column of its brightest mass: Σ x·p / Σ p over the pixels (translation-sensitive).</summary>
    private sealed class CentroidXReward : IRewardModel
    {
        public int Calls { get; private set; }
        public string Name => "centroid-x";
        public bool IsDifferentiable => true;

        public Tensor Score(Tensor images, IReadOnlyList<string> prompts)
        {
            Calls++;
            using var scope = torch.NewDisposeScope();
            Tensor mass = images.Sum([1L, 2L]);
            Tensor x = torch.Arange(images.Size(3), dtype: images.DType);
            return ((mass * x).Sum([1L]) / mass.Sum([1L])).MoveToOuterScope();
        }

        public void Dispose() { }
    }

    /// <summary>Two images with one bright 4×4 square each, away from the edges, at columns 10–13 and 20–23.</summary>
    private static Tensor Squares()
    {
        Tensor images = torch.Zeros([2, 3, 32, 32]);
        images[0].Narrow(1, 8, 4).Narrow(2, 10, 4).Fill_(1.0);
        images[1].Narrow(1, 14, 4).Narrow(2, 20, 4).Fill_(1.0);
        return images;
    }

    [Fact]
    public void WithoutShiftsItIsTheInnerReward()
    {
        using var scope = torch.NewDisposeScope();
        var inner = new CentroidXReward();
        var reward = new ShiftAugmentedReward(inner, copies: 3, maxShift: 0);
        Assert.Equal(new[] { 11.5f, 21.5f }, reward.Score(Squares(), ["a", "b"]).ToArray<float>());
        Assert.Equal(3, inner.Calls);
    }

    [Fact]
    public void ShiftsMoveTheScoreByAtMostTheShiftAndVaryBetweenCalls()
    {
        using var scope = torch.NewDisposeScope();
        var reward = new ShiftAugmentedReward(new CentroidXReward(), copies: 2, maxShift: 3, seed: 1);
        var seen = new HashSet<float>();
        for (int call = 0; call < 8; call++)
        {
            float[] s = reward.Score(Squares(), ["a", "b"]).ToArray<float>();
            Assert.InRange(s[0], 11.5f - 3, 11.5f + 3);
            // one shift for the whole batch: both squares moved alike
            Assert.Equal(s[0] + 10, s[1], 3);
            seen.Add(s[0]);
        }
        Assert.True(seen.Count > 1, "the shifts did not change between calls");
    }

    [Fact]
    public void TheGradientReachesThePixels()
    {
        using var scope = torch.NewDisposeScope();
        Tensor images = (Squares() + 0.01).RequiresGrad_();
        var reward = new ShiftAugmentedReward(new CentroidXReward(), copies: 4, maxShift: 2);
        reward.Score(images, ["a", "b"]).Sum().Backward();
        Assert.True(images.Grad!.Abs().Sum().ToDouble() > 0);
    }

    [Fact]
    public void InvalidSettingsAreRefused()
    {
        Assert.Contains("copies", Assert.Throws<ArgumentException>(() => new ShiftAugmentedReward(new CentroidXReward(), 0, 2)).Message);
        Assert.Contains("maxShift", Assert.Throws<ArgumentException>(() => new ShiftAugmentedReward(new CentroidXReward(), 2, -1)).Message);
    }
}
