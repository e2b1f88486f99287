using Align.Alignment;
using Align.Pipelines;
using Align.Rewards;
using Torch;

namespace Align.Tests.Alignment;

public class RenoTests
{
    private static (StableDiffusionModel Sd, TextToImagePipeline Pipeline, ClipScoreReward Reward) TinyModels()
    {
        StableDiffusionModel sd = StableDiffusionModel.Load(Reference.Model("tiny-sd15"));
        foreach (Torch.NN.Module m in new Torch.NN.Module[] { sd.UNet, sd.Vae, sd.Text[0].Encoder }) m.RequiresGrad_(false);
        ClipScoreReward reward = ClipScoreReward.FromPretrained(Reference.Model("tiny-clip-reward"));
        reward.Model.Eval().RequiresGrad_(false);
        return (sd, new TextToImagePipeline(sd), reward);
    }

    [Fact]
    public void GradientWithRespectToTheNoiseMatchesFiniteDifferences()
    {
        using var scope = torch.NewDisposeScope();
        (StableDiffusionModel sd, TextToImagePipeline pipeline, ClipScoreReward reward) = TinyModels();
        using (sd) using (reward)
        {
            var rewards = new RewardEnsemble([new WeightedReward(reward, 1.0)]);
            var request = new TextToImageRequest("a red circle", [3], 16, 16, 2, 3.0);
            Tensor z = pipeline.InitialLatents(request).Detach().RequiresGrad_();
            (Tensor loss, _, _, _) = Reno.Losses(pipeline, request, z, rewards, regWeight: 0.01);
            loss.Sum().Backward();
            Tensor grad = z.Grad!.Detach().Clone();

            // central differences along the gradient's direction and along a random one
            using var g = new Generator(11);
            foreach (Tensor direction in new[] { grad / grad.Norm(), torch.Randn(z.Shape, g) })
            {
                Tensor v = direction / direction.Norm();
                double analytic = (grad * v).Sum().ToDouble();
                const double eps = 1e-2;
                double plus, minus;
                using (Autograd.NoGrad())
                {
                    plus = Reno.Losses(pipeline, request, (z + v * eps).Detach(), rewards, 0.01).Loss.Sum().ToDouble();
                    minus = Reno.Losses(pipeline, request, (z - v * eps).Detach(), rewards, 0.01).Loss.Sum().ToDouble();
                }
                double numeric = (plus - minus) / (2 * eps);
                double scale = Math.Max(Math.Abs(analytic), grad.Norm().ToDouble() * 0.05);
                Assert.True(Math.Abs(numeric - analytic) < 0.03 * scale, $"directional derivative: backprop {analytic:G6}, finite differences {numeric:G6}");
            }
        }
    }

    [Theory]
    [InlineData("tiny-sd15")]
    [InlineData("tiny-sdxl")] // its UNet call also reads the added conditions
    public void GradientCheckpointingGivesTheSameGradient(string model)
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = StableDiffusionModel.Load(Reference.Model(model));
        sd.Freeze();
        using ClipScoreReward reward = ClipScoreReward.FromPretrained(Reference.Model("tiny-clip-reward"));
        reward.Model.Eval().RequiresGrad_(false);
        var pipeline = new TextToImagePipeline(sd);
        var rewards = new RewardEnsemble([new WeightedReward(reward, 1.0)]);
        var request = new TextToImageRequest("a red circle", [3, 4], 32, 32, 3, 3.0);
        Tensor Gradient(bool checkpointing, out double loss)
        {
            Tensor z = pipeline.InitialLatents(request).Detach().RequiresGrad_();
            Tensor total = Reno.Losses(pipeline, request, z, rewards, 0.01, gradientCheckpointing: checkpointing).Loss.Sum();
            loss = total.ToDouble();
            total.Backward();
            return z.Grad!.Detach().Clone();
        }
        Tensor plain = Gradient(false, out double plainLoss), checkpointed = Gradient(true, out double checkpointedLoss);
        Assert.Equal(plainLoss, checkpointedLoss, 10);
        double difference = (plain - checkpointed).Norm().ToDouble(), norm = plain.Norm().ToDouble();
        Assert.True(norm > 0, "no gradient reached the noise");
        Assert.True(difference <= 1e-5 * norm, $"checkpointed gradient differs from the plain one by {difference:G3} (norm {norm:G3})");
    }

    [Fact]
    public void TheRegulariserIsSmallestAtTheSquareRootOfDMinusOne()
    {
        using var scope = torch.NewDisposeScope();
        using var g = new Generator(5);
        Tensor direction = torch.Randn([1, 4, 8, 8], g);
        direction = direction / direction.Norm();
        long d = direction.NumEl;
        double optimum = Math.Sqrt(d - 1);
        double at(double r) => Reno.NormRegulariser(direction * r).ToDouble();
        double best = at(optimum);
        foreach (double factor in new[] { 0.5, 0.9, 0.99, 1.01, 1.1, 2.0 }) Assert.True(at(optimum * factor) > best, $"regulariser at {factor}·√(d−1) is not above its value at √(d−1)");
        // and its gradient vanishes there
        Tensor z = (direction * optimum).Detach().RequiresGrad_();
        Reno.NormRegulariser(z).Sum().Backward();
        Assert.True(z.Grad!.Norm().ToDouble() < 1e-3, $"gradient norm at the optimum: {z.Grad!.Norm().ToDouble()}");
    }

    [Fact]
    public void OptimisationRaisesTheRewardAndReturnsTheBestIterate()
    {
        using var scope = torch.NewDisposeScope();
        (StableDiffusionModel sd, TextToImagePipeline pipeline, ClipScoreReward reward) = TinyModels();
        using (sd) using (reward)
        {
            var rewards = new RewardEnsemble([new WeightedReward(reward, 1.0)]);
            var request = new TextToImageRequest("a red circle", [3], 16, 16, 2, 3.0);
            using RenoResult result = Reno.Optimize(pipeline, request, rewards, new RenoOptions { Iterations = 8 });
            Assert.Equal(8, result.Trace.Count);
            double first = result.Trace[0].Rewards["clip-score"], best = result.Trace[result.BestIteration].Rewards["clip-score"];
            Assert.True(best > first, $"reward did not rise: first {first}, best {best}");
            Assert.Equal(result.Trace.Min(t => t.RewardLoss), result.Trace[result.BestIteration].RewardLoss);
            // the returned image is the best iterate's: regenerating from its noise gives it back
            using GenerationResult again = pipeline.Generate(request, result.Noise);
            Reference.AssertClose(result.Image, again.Images, "best iterate's image regenerated from its noise", rtol: 1e-4, atol: 1e-5);
        }
    }

    [Fact]
    public void StopsAtTheFirstIterationEverySeedHasReachedTheTargetReward()
    {
        using var scope = torch.NewDisposeScope();
        (StableDiffusionModel sd, TextToImagePipeline pipeline, ClipScoreReward reward) = TinyModels();
        using (sd) using (reward)
        {
            var rewards = new RewardEnsemble([new WeightedReward(reward, 1.0)]);
            var request = new TextToImageRequest("a red circle", [3, 4], 16, 16, 2, 3.0);
            using RenoResult full = Reno.Optimize(pipeline, request, rewards, new RenoOptions { Iterations = 8 });
            // a bar between the seeds' first and best rewards, so each seed reaches it somewhere inside the run
            double[] first = full.Trace[0].PerSample.Select(l => -l).ToArray();
            double[] best = [.. Enumerable.Range(0, 2).Select(b => full.Trace.Max(t => -t.PerSample[b]))];
            double target = Math.Min(best[0], best[1]) - 0.25 * Math.Min(best[0] - first[0], best[1] - first[1]);
            Assert.True(first.All(r => r < target), $"the bar {target} is already met at the start ({string.Join(", ", first)})");
            int reached = Enumerable.Range(0, full.Trace.Count)
                .First(it => Enumerable.Range(0, 2).All(b => full.Trace.Take(it + 1).Max(t => -t.PerSample[b]) >= target));
            Assert.True(reached < 7, $"both seeds reach the bar only at the last iteration ({reached})");

            using RenoResult stopped = Reno.Optimize(pipeline, request, rewards, new RenoOptions { Iterations = 8, TargetReward = target });
            Assert.Equal(reached + 1, stopped.Trace.Count);
            for (int b = 0; b < 2; b++)
                Assert.True(-stopped.Trace[stopped.BestIterations[b]].PerSample[b] >= target, $"seed {request.Seeds[b]}: its best iterate is below the bar");
        }
    }

    [Fact]
    public void SeedsOptimisedTogetherFollowTheTrajectoriesTheyFollowAlone()
    {
        using var scope = torch.NewDisposeScope();
        (StableDiffusionModel sd, TextToImagePipeline pipeline, ClipScoreReward reward) = TinyModels();
        using (sd) using (reward)
        {
            var rewards = new RewardEnsemble([new WeightedReward(reward, 1.0)]);
            var options = new RenoOptions { Iterations = 4 };
            var request = new TextToImageRequest("a red circle", [3, 4], 16, 16, 2, 3.0);
            using RenoResult together = Reno.Optimize(pipeline, request, rewards, options);
            for (int b = 0; b < 2; b++)
            {
                using RenoResult alone = Reno.Optimize(pipeline, request with { Seeds = [request.Seeds[b]] }, rewards, options);
                Assert.Equal(alone.BestIteration, together.BestIterations[b]);
                Assert.Equal(alone.Trace.Select(t => t.RewardLoss), together.Trace.Select(t => t.PerSample[b]), (x, y) => Math.Abs(x - y) < 1e-3 * Math.Max(1, Math.Abs(x)));
                Reference.AssertClose(alone.Noise, together.Noise[b..(b + 1)], $"seed {request.Seeds[b]}: best noise alone vs together", rtol: 1e-3, atol: 1e-4);
            }
        }
    }

    [Fact]
    public void CancellationStopsWithinOneIteration()
    {
        using var scope = torch.NewDisposeScope();
        (StableDiffusionModel sd, TextToImagePipeline pipeline, ClipScoreReward reward) = TinyModels();
        using (sd) using (reward)
        {
            using var cancel = new CancellationTokenSource();
            int seen = 0;
            Assert.ThrowsAny<OperationCanceledException>(() => Reno.Optimize(pipeline, new TextToImageRequest("a red circle", [3], 16, 16, 2, 3.0),
                new RewardEnsemble([new WeightedReward(reward, 1.0)]), new RenoOptions { Iterations = 50 }, it =>
                {
                    seen++;
                    if (it.Iteration == 2) cancel.Cancel();
                }, cancel.Token));
            Assert.Equal(3, seen);
        }
    }

    [Fact]
    public void NonDifferentiableRewardsAreRefused()
    {
        (StableDiffusionModel sd, TextToImagePipeline pipeline, ClipScoreReward reward) = TinyModels();
        using (sd) using (reward)
        {
            var e = Assert.Throws<ArgumentException>(() => Reno.Optimize(pipeline, new TextToImageRequest("a red circle", [3], 16, 16, 2, 3.0),
                new RewardEnsemble([new WeightedReward(reward, 1.0), new WeightedReward(new ShapeWorldVerifierReward(), 1.0)]), new RenoOptions()));
            Assert.Contains("shapeworld-verifier", e.Message);
        }
    }
}
