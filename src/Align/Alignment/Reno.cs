using System.Diagnostics;
using Align.Pipelines;
using Torch;
using Torch.Optim;

namespace Align.Alignment;

/// <summary>The best iterate's image [1, 3, H, W] and initial noise, which iteration it was, and the trace of every iteration.</summary>
public sealed record RenoResult(Tensor Image, Tensor Noise, int BestIteration, IReadOnlyList<RenoIteration> Trace) : IDisposable
{
    public void Dispose()
    {
        Image.Dispose();
        Noise.Dispose();
    }
}

/// <summary>
/// ReNO: the initial noise z is the parameter. Each iteration generates from z with the graph kept through every denoising
/// step and the decoder, scores the image, and takes an optimiser step on
/// L(z) = −Σ wᵢ·rewardᵢ(x(z)) + λ·(½‖z‖² − (d−1)·log‖z‖),
/// the regulariser being the negative log-density of ‖z‖ under z ~ N(0, I_d) (the χ distribution, up to a constant), so z
/// stays where the model expects its noise; its minimum is at ‖z‖ = √(d−1). The gradient is clipped to norm 0.1. The
/// returned image is the iterate with the best reward-only loss (as the reference keeps it).
/// </summary>
public static class Reno
{
    /// <param name="request">one prompt and one seed: the seed gives the starting noise</param>
    /// <param name="onIteration">called after each iteration with its losses and rewards</param>
    public static RenoResult Optimize(TextToImagePipeline pipeline, TextToImageRequest request, WeightedRewards rewards, RenoOptions options,
        Action<RenoIteration>? onIteration = null, CancellationToken cancel = default)
    {
        if (request.Seeds.Count != 1) throw new ArgumentException("ReNO optimises one image: give one seed", nameof(request));
        if (!rewards.IsDifferentiable)
            throw new ArgumentException($"ReNO needs differentiable rewards; not differentiable: {string.Join(", ", rewards.Members.Where(m => !m.Model.IsDifferentiable).Select(m => m.Model.Name))}");
        if (options.Iterations < 1) throw new ArgumentException($"iterations must be at least 1, got {options.Iterations}");
        var watch = Stopwatch.StartNew();
        using var scope = torch.NewDisposeScope();
        Tensor z = pipeline.InitialLatents(request).To(DType.Float32).Detach().RequiresGrad_();
        using Optimizer optimizer = options.Optimizer switch
        {
            "sgd" => new SGD([z], options.LearningRate, momentum: 0.9, nesterov: true),
            "adam" => new Adam([z], options.LearningRate),
            _ => throw new ArgumentException($"unknown optimizer '{options.Optimizer}' (sgd, adam)"),
        };
        var trace = new List<RenoIteration>();
        Tensor? bestImage = null, bestNoise = null;
        double bestLoss = double.PositiveInfinity;
        int bestIteration = -1;
        for (int it = 0; it < options.Iterations; it++)
        {
            cancel.ThrowIfCancellationRequested();
            using var step = torch.NewDisposeScope();
            optimizer.ZeroGrad();
            (Tensor loss, Tensor rewardLoss, Tensor image, IReadOnlyDictionary<string, Tensor> each) =
                Loss(pipeline, request, z, rewards, options.RegWeight, cancel);
            double rewardLossValue = rewardLoss.ToDouble();
            var iteration = new RenoIteration(it, rewardLossValue, loss.ToDouble(),
                each.ToDictionary(kv => kv.Key, kv => kv.Value.ToDouble()), z.Detach().Norm().ToDouble(), watch.Elapsed);
            trace.Add(iteration);
            if (rewardLossValue < bestLoss)
            {
                bestLoss = rewardLossValue;
                bestIteration = it;
                bestImage?.Dispose();
                bestNoise?.Dispose();
                bestImage = image.Detach().Clone().MoveToOuterScope();
                bestNoise = z.Detach().Clone().MoveToOuterScope();
            }
            onIteration?.Invoke(iteration);
            bool last = it == options.Iterations - 1 || (options.TimeBudget is { } budget && watch.Elapsed >= budget);
            if (last) break; // the reference does not step after the last evaluation
            loss.Backward();
            Autograd.ClipGradNorm([z], options.GradClip);
            optimizer.Step();
        }
        return new RenoResult(bestImage!.MoveToOuterScope(), bestNoise!.MoveToOuterScope(), bestIteration, trace);
    }

    /// <summary>
    /// ReNO's objective at noise <paramref name="z"/>: the total loss (with the regulariser), the reward-only loss
    /// −Σ wᵢ·rewardᵢ, the image [1, 3, H, W] and each reward's score, all in the graph from z.
    /// </summary>
    public static (Tensor Loss, Tensor RewardLoss, Tensor Image, IReadOnlyDictionary<string, Tensor> Rewards) Loss(TextToImagePipeline pipeline,
        TextToImageRequest request, Tensor z, WeightedRewards rewards, double regWeight, CancellationToken cancel = default)
    {
        using var scope = torch.NewDisposeScope();
        GenerationResult result = pipeline.GenerateDifferentiable(request, z, cancel: cancel);
        (Tensor total, IReadOnlyDictionary<string, Tensor> each) = rewards.Score(result.Images, [request.Prompt]);
        Tensor rewardLoss = -total.Sum();
        Tensor loss = rewardLoss + NormRegulariser(z) * regWeight;
        foreach (Tensor t in each.Values) t.MoveToOuterScope();
        return (loss.MoveToOuterScope(), rewardLoss.MoveToOuterScope(), result.Images.MoveToOuterScope(), each);
    }

    /// <summary>
    /// ½‖z‖² − (d−1)·log‖z‖: the negative log-density of ‖z‖ for z ~ N(0, I_d) up to a constant (χ_d), minimal at
    /// ‖z‖ = √(d−1). Computed in float32, as the reference does, since ½‖z‖² overflows fp16 for SD-sized latents.
    /// </summary>
    public static Tensor NormRegulariser(Tensor z)
    {
        using var scope = torch.NewDisposeScope();
        Tensor norm = z.To(DType.Float32).Norm();
        return (norm.Square() * 0.5 - norm.Log() * (z.NumEl - 1)).MoveToOuterScope();
    }
}
