using System.Globalization;
using Align.Alignment;
using Align.Pipelines;
using Align.Rewards;
using Torch;

namespace Training.Evaluation;

/// <summary>How a prompt's images are produced for its seeds, plainly or through an alignment method: in the evaluation, and as <c>pairs --method</c>.</summary>
public abstract class EvalMethod
{
    public abstract string Name { get; }

    /// <returns>one image per seed [S, 3, H, W] in [0, 1], owned by the caller</returns>
    public abstract Tensor Generate(TextToImagePipeline pipeline, TextToImageRequest request);

    /// <summary>
    /// Parses a method: <c>base</c>, <c>attend_excite</c>, <c>best_of_n:N:REWARD</c>, <c>reno:ITERATIONS:REWARD</c> or
    /// <c>reno+best_of_n:ITERATIONS:N:REWARD</c>, with REWARD <c>reward</c> (the reward model given, <c>clip</c> being its
    /// older name) or <c>verifier</c>.
    /// </summary>
    /// <param name="rewardOption">the option that gives <paramref name="reward"/>, named when a method needs it and it is missing</param>
    public static EvalMethod Parse(string spec, IRewardModel? reward, string rewardOption = "--reward")
    {
        string[] p = spec.Split(':');
        IRewardModel Reward(string name) => name switch
        {
            "reward" or "clip" => reward ?? throw new ArgumentException($"method '{spec}' needs a reward model ({rewardOption})"),
            "verifier" => new ShapeWorldVerifierReward(),
            _ => throw new ArgumentException($"unknown reward '{name}' in method '{spec}' (reward, verifier)"),
        };
        int Int(string s, string what) => int.TryParse(s, out int v) && v > 0 ? v : throw new ArgumentException($"method '{spec}': {what} must be a positive integer");
        return (p[0], p.Length) switch
        {
            ("base", 1) => new BaseMethod(),
            ("attend_excite", 1) => new AttendExciteMethod(),
            ("best_of_n", 3) => new BestOfNMethod(Int(p[1], "N"), Reward(p[2]), p[2]),
            ("reno", 3) => new RenoMethod(Int(p[1], "ITERATIONS"), null, Reward(p[2]), p[2]),
            ("reno+best_of_n", 4) => new RenoMethod(Int(p[1], "ITERATIONS"), Int(p[2], "N"), Reward(p[3]), p[3]),
            _ => throw new ArgumentException($"unknown method '{spec}' (base, attend_excite, best_of_n:N:REWARD, reno:ITERATIONS:REWARD, reno+best_of_n:ITERATIONS:N:REWARD)"),
        };
    }

    /// <summary>The candidate seeds of an evaluation seed: the seed itself first, so candidate 0 is the base image.</summary>
    protected static long[] Candidates(long seed, int n) => Enumerable.Range(0, n).Select(j => seed + 100_000L * j).ToArray();
}

internal sealed class BaseMethod : EvalMethod
{
    /// <summary>What the evaluation calls it (e.g. "base + dpo-shapes" when an adapter is applied around it).</summary>
    public string Label { get; init; } = "base";

    public override string Name => Label;

    public override Tensor Generate(TextToImagePipeline pipeline, TextToImageRequest request)
    {
        using GenerationResult result = pipeline.Generate(request);
        return result.Images.Clone().DetachFromDisposeScope();
    }
}

/// <summary>Attend-and-Excite with its defaults: subject tokens found in the prompt, the reference's schedule scaled to the steps.</summary>
internal sealed class AttendExciteMethod : EvalMethod
{
    public override string Name => "Attend-and-Excite";

    public override Tensor Generate(TextToImagePipeline pipeline, TextToImageRequest request)
    {
        using GenerationResult result = new AttendAndExcite(pipeline).Generate(request);
        return result.Images.Clone().DetachFromDisposeScope();
    }
}

internal sealed class BestOfNMethod(int n, IRewardModel reward, string rewardName) : EvalMethod
{
    public override string Name => $"best-of-{n} ({rewardName})";

    public override Tensor Generate(TextToImagePipeline pipeline, TextToImageRequest request)
    {
        using var scope = torch.NewDisposeScope();
        var rewards = new RewardEnsemble([new WeightedReward(reward, 1.0)]);
        var best = request.Seeds.Select(seed =>
        {
            using BestOfNResult r = BestOfN.Run(pipeline, request with { Seeds = Candidates(seed, n) }, rewards, 1, batchSize: 32);
            return r.Images.Clone();
        }).ToArray();
        return torch.Cat(best).DetachFromDisposeScope();
    }
}

internal sealed class RenoMethod(int iterations, int? startFromBestOf, IRewardModel reward, string rewardName) : EvalMethod
{
    /// <summary><see cref="RenoOptions.TargetReward"/>: a prompt's seeds stop once each has reached it.</summary>
    public double? TargetReward { get; private init; }

    public override string Name => (startFromBestOf is int n ? $"ReNO {iterations} it. + best-of-{n} ({rewardName})" : $"ReNO {iterations} it. ({rewardName})")
                                   + (TargetReward is double t ? string.Create(CultureInfo.InvariantCulture, $", stopping at reward {t:G4}") : "");

    public RenoMethod StoppingAt(double targetReward) => new(iterations, startFromBestOf, reward, rewardName) { TargetReward = targetReward };

    public override Tensor Generate(TextToImagePipeline pipeline, TextToImageRequest request)
    {
        using var scope = torch.NewDisposeScope();
        var rewards = new RewardEnsemble([new WeightedReward(reward, 1.0)]);
        long[] seeds = request.Seeds.ToArray();
        if (startFromBestOf is int n)
            seeds = seeds.Select(seed =>
            {
                using BestOfNResult r = BestOfN.Run(pipeline, request with { Seeds = Candidates(seed, n) }, rewards, 1, batchSize: 32);
                return r.Candidates[r.Selected[0]].Seed;
            }).ToArray();
        // all seeds of the prompt optimised as one batch of independent problems
        using RenoResult result = Reno.Optimize(pipeline, request with { Seeds = seeds }, rewards, new RenoOptions { Iterations = iterations, TargetReward = TargetReward });
        return result.Image.Clone().DetachFromDisposeScope();
    }
}
