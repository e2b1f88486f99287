using Align.Rewards;
using System.Diagnostics;
using Align.Pipelines;
using Torch;
using Torch.Optim;

namespace Align.Alignment;

/// <summary>
/// Per seed, the best iterate's image and initial noise ([B, 3, H, W] and [B, C, h, w]) and which iteration it was, and the
/// trace of every iteration (summed over the batch; per-sample values in <see cref="RenoIteration.PerSample"/>).
/// </summary>
public sealed record RenoResult(Tensor Image, Tensor Noise, IReadOnlyList<int> BestIterations, IReadOnlyList<RenoIteration> Trace) : IDisposable
{
    /// <summary>The best iteration of the first (or only) seed.</summary>
    public int BestIteration => BestIterations[0];

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
/// Several seeds run as one batch of independent problems: images do not interact in the UNet, the regulariser and the
/// clipping are per sample, and SGD/Adam act elementwise, so each seed follows the trajectory it would follow alone.
/// </summary>
public static class Reno
{
    /// <param name="request">one prompt; each seed gives one starting noise and one optimised image</param>
    /// <param name="onIteration">called after each iteration with its losses and rewards</param>
    public static RenoResult Optimize(TextToImagePipeline pipeline, TextToImageRequest request, RewardEnsemble rewards, RenoOptions options,
        Action<RenoIteration>? onIteration = null, CancellationToken cancel = default)
    {
        rewards.RequireDifferentiable("ReNO");
        if (options.Iterations < 1) throw new ArgumentException($"iterations must be at least 1, got {options.Iterations}");
        var watch = Stopwatch.StartNew();
        using var scope = torch.NewDisposeScope();
        Tensor z = pipeline.InitialLatents(request).To(DType.Float32).Detach().RequiresGrad_();
        int batch = request.Seeds.Count;
        using Optimizer optimizer = options.Optimizer switch
        {
            "sgd" => new SGD([z], options.LearningRate, momentum: 0.9, nesterov: true),
            "adam" => new Adam([z], options.LearningRate),
            _ => throw new ArgumentException($"unknown optimizer '{options.Optimizer}' (sgd, adam)"),
        };
        var trace = new List<RenoIteration>();
        Tensor? bestImage = null, bestNoise = null;
        var bestLoss = Enumerable.Repeat(double.PositiveInfinity, batch).ToArray();
        var bestIteration = new int[batch];
        for (int it = 0; it < options.Iterations; it++)
        {
            cancel.ThrowIfCancellationRequested();
            using var step = torch.NewDisposeScope();
            optimizer.ZeroGrad();
            (Tensor loss, Tensor rewardLoss, Tensor image, IReadOnlyDictionary<string, Tensor> each) =
                Losses(pipeline, request, z, rewards, options.RegWeight, cancel, options.GradientCheckpointing);
            double[] perSample = rewardLoss.Detach().To(Device.CPU, DType.Float64).ToArray<double>();
            Tensor totalLoss = loss.Sum();
            var iteration = new RenoIteration(it, perSample.Sum(), totalLoss.ToDouble(),
                each.ToDictionary(kv => kv.Key, kv => kv.Value.Detach().Mean().ToDouble()), z.Detach().Norm().ToDouble(), watch.Elapsed)
            {
                PerSample = perSample,
            };
            trace.Add(iteration);
            bool[] improved = perSample.Select((v, b) => v < bestLoss[b]).ToArray();
            if (improved.Any(x => x))
            {
                for (int b = 0; b < batch; b++)
                    if (improved[b]) (bestLoss[b], bestIteration[b]) = (perSample[b], it);
                Tensor mask = Tensor.FromArray(improved, batch).To(z.Device).View(batch, 1, 1, 1);
                Tensor keptImage = bestImage is null ? image.Detach() : torch.Where(mask, image.Detach(), bestImage);
                Tensor keptNoise = bestNoise is null ? z.Detach() : torch.Where(mask, z.Detach(), bestNoise);
                bestImage?.Dispose();
                bestNoise?.Dispose();
                bestImage = keptImage.Clone().MoveToOuterScope();
                bestNoise = keptNoise.Clone().MoveToOuterScope();
            }
            onIteration?.Invoke(iteration);
            bool last = it == options.Iterations - 1 || (options.TimeBudget is { } budget && watch.Elapsed >= budget)
                        || (options.TargetReward is double target && bestLoss.All(loss => -loss >= target));
            if (last) break; // the reference does not step after the last evaluation
            totalLoss.Backward();
            ClipPerSample(z, options.GradClip);
            optimizer.Step();
        }
        return new RenoResult(bestImage!.MoveToOuterScope(), bestNoise!.MoveToOuterScope(), bestIteration, trace);
    }

    /// <summary>
    /// ReNO's objective at noise <paramref name="z"/> [B, …], per sample: the total loss (with the regulariser), the
    /// reward-only loss −Σ wᵢ·rewardᵢ, the images [B, 3, H, W] and each reward's scores, all in the graph from z.
    /// </summary>
    public static (Tensor Loss, Tensor RewardLoss, Tensor Image, IReadOnlyDictionary<string, Tensor> Rewards) Losses(TextToImagePipeline pipeline,
        TextToImageRequest request, Tensor z, RewardEnsemble rewards, double regWeight, CancellationToken cancel = default,
        bool gradientCheckpointing = false)
    {
        using var scope = torch.NewDisposeScope();
        GenerationResult result = pipeline.GenerateDifferentiable(request, z, cancel: cancel, gradientCheckpointing: gradientCheckpointing);
        (Tensor total, IReadOnlyDictionary<string, Tensor> each) = rewards.ScoreAll(result.Images, Enumerable.Repeat(request.Prompt, request.Seeds.Count).ToArray());
        Tensor rewardLoss = -total;
        Tensor loss = rewardLoss + NormRegulariser(z) * regWeight;
        foreach (Tensor t in each.Values) t.MoveToOuterScope();
        return (loss.MoveToOuterScope(), rewardLoss.MoveToOuterScope(), result.Images.MoveToOuterScope(), each);
    }

    /// <summary>
    /// ½‖z‖² − (d−1)·log‖z‖ per sample [B], d the size of one sample's noise: the negative log-density of ‖z‖ for
    /// z ~ N(0, I_d) up to a constant (χ_d), minimal at ‖z‖ = √(d−1). Computed in float32, as the reference does, since
    /// ½‖z‖² overflows fp16 for SD-sized latents.
    /// </summary>
    public static Tensor NormRegulariser(Tensor z)
    {
        using var scope = torch.NewDisposeScope();
        Tensor flat = z.To(DType.Float32).Flatten(1);
        Tensor norm = flat.Norm(dims: [1]);
        return (norm.Square() * 0.5 - norm.Log() * (flat.Size(1) - 1)).MoveToOuterScope();
    }

    // torch.nn.utils.clip_grad_norm_ applied to each sample's gradient on its own: g_b · min(1, c / (‖g_b‖ + 1e-6)).
    private static void ClipPerSample(Tensor z, double maxNorm)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = Autograd.NoGrad();
        Tensor g = z.Grad ?? throw new InvalidOperationException("no gradient reached the noise");
        Tensor norms = g.Flatten(1).Norm(dims: [1]);
        Tensor coef = (maxNorm / (norms + 1e-6)).ClampMax(1.0);
        g.Mul_(coef.View([.. new long[] { z.Size(0) }, .. Enumerable.Repeat(1L, (int)z.Dim - 1)]));
    }
}
