using Align.Rewards;
using Torch;

namespace Align.Tests.Rewards;

/// <summary>The weighted reward ensemble: its sum, per-member scores, differentiability, validation and ReNO's default weighting.</summary>
public class RewardEnsembleTests
{
    /// <summary>A stand-in reward: <c>scale</c> times each image's mean pixel (differentiable), or NaN everywhere.</summary>
    private sealed class PixelMeanReward(string name, double scale, bool differentiable = true, bool nan = false) : IRewardModel
    {
        public string Name => name;
        public bool IsDifferentiable => differentiable;

        public Tensor Score(Tensor images, IReadOnlyList<string> prompts)
        {
            if (nan) return torch.Full([images.Size(0)], double.NaN);
            using Tensor mean = images.Mean([1L, 2L, 3L]);
            return mean * scale;
        }

        public void Dispose() { }
    }

    private static Tensor Images() => torch.Rand([3, 3, 8, 8], new Generator(5));

    private static double[] Values(Tensor t) => t.To(DType.Float64).ToArray<double>();

    [Fact]
    public void ScoreIsTheWeightedSumAndScoreEachReportsEveryMember()
    {
        using var scope = torch.NewDisposeScope();
        var a = new PixelMeanReward("a", 1.0);
        var b = new PixelMeanReward("b", -3.0);
        var unjudged = new PixelMeanReward("unjudged", 1.0, differentiable: false, nan: true);
        using var ensemble = new RewardEnsemble([new(a, 2.0), new(b, 0.5), new(unjudged, 0.0)]);
        Tensor images = Images().RequiresGrad_();
        string[] prompts = ["x", "y", "z"];

        double[] total = Values(ensemble.Score(images, prompts));
        double[] means = Values(images.Detach().Mean([1L, 2L, 3L]));
        for (int i = 0; i < 3; i++) Assert.Equal(2.0 * means[i] + 0.5 * -3.0 * means[i], total[i], 5);

        IReadOnlyDictionary<string, Tensor> each = ensemble.ScoreEach(images, prompts);
        Assert.Equal(["a", "b", "unjudged"], each.Keys);
        Assert.Equal(means, Values(each["a"]), (x, y) => Math.Abs(x - y) < 1e-6);
        Assert.Equal(means.Select(m => -3 * m), Values(each["b"]), (x, y) => Math.Abs(x - y) < 1e-6);
        Assert.All(Values(each["unjudged"]), v => Assert.True(double.IsNaN(v)));

        // The zero-weight member is not differentiable, but it is not optimised either.
        Assert.True(ensemble.IsDifferentiable);
        ensemble.RequireDifferentiable("ReNO");
        ensemble.Score(images, prompts).Sum().Backward();
        // d/dpixel of (2·mean − 1.5·mean) = 0.5 / (3·8·8) for every pixel.
        Assert.All(Values(images.Grad!), g => Assert.Equal(0.5 / 192, g, 7));
    }

    [Fact]
    public void ANonDifferentiableWeightedMemberMakesTheEnsembleNonDifferentiable()
    {
        using var ensemble = new RewardEnsemble([new(new PixelMeanReward("clip", 1.0), 1.0), new(new PixelMeanReward("verifier", 1.0, differentiable: false), 0.1)]);
        Assert.False(ensemble.IsDifferentiable);
        string message = Assert.Throws<ArgumentException>(() => ensemble.RequireDifferentiable("ReNO")).Message;
        Assert.Equal("ReNO needs differentiable rewards; not differentiable: verifier", message);
    }

    [Fact]
    public void InvalidMembersAndWeightsFailClearly()
    {
        var a = new PixelMeanReward("a", 1.0);
        Assert.Contains("at least one", Assert.Throws<ArgumentException>(() => new RewardEnsemble([])).Message);
        foreach (double bad in new[] { -0.5, double.NaN, double.PositiveInfinity })
            Assert.Contains("finite and non-negative", Assert.Throws<ArgumentException>(() => new RewardEnsemble([new(a, bad)])).Message);
        Assert.Contains("given twice: a", Assert.Throws<ArgumentException>(() => new RewardEnsemble([new(a, 1), new(new PixelMeanReward("a", 2.0), 1)])).Message);
        Assert.Contains("every weight is 0", Assert.Throws<ArgumentException>(() => new RewardEnsemble([new(a, 0)])).Message);

        var available = new Dictionary<string, IRewardModel> { ["a"] = a, ["b"] = new PixelMeanReward("b", 1.0) };
        var e = Assert.Throws<ArgumentException>(() => RewardEnsemble.FromWeights(new Dictionary<string, double> { ["a"] = 1, ["hpsv3"] = 1 }, available));
        Assert.Contains("unknown reward(s) hpsv3", e.Message);
        Assert.Contains("available: a, b", e.Message);
    }

    [Fact]
    public void ReNODefaultWeighsTheAvailableReNORewardsOrFallsBack()
    {
        static Dictionary<string, IRewardModel> Available(params string[] names) =>
            names.ToDictionary(n => n, n => (IRewardModel)new PixelMeanReward(n, 1.0));
        static Dictionary<string, double> Weights(RewardEnsemble e) => e.Members.ToDictionary(m => m.Reward.Name, m => m.Weight);

        using RewardEnsemble all = RewardEnsemble.ReNODefault(Available("hpsv2", "pickscore", "imagereward", "shapeworld-clip", "aesthetic"));
        Assert.Equal(new Dictionary<string, double> { ["hpsv2"] = 5.0, ["pickscore"] = 0.05, ["imagereward"] = 1.0 }, Weights(all));

        using RewardEnsemble some = RewardEnsemble.ReNODefault(Available("pickscore", "shapeworld-clip"));
        Assert.Equal(new Dictionary<string, double> { ["pickscore"] = 0.05 }, Weights(some));

        using RewardEnsemble fallback = RewardEnsemble.ReNODefault(Available("shapeworld-clip", "shapeworld-verifier"));
        Assert.Equal(new Dictionary<string, double> { ["shapeworld-clip"] = 1.0 }, Weights(fallback));

        var e = Assert.Throws<ArgumentException>(() => RewardEnsemble.ReNODefault(Available("shapeworld-verifier")));
        Assert.Contains("fallback 'shapeworld-clip'", e.Message);
    }
}
