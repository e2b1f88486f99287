namespace Align.Alignment;

/// <summary>
/// ReNO's settings (Eyring et al. 2024, "Reward-based Noise Optimization"), defaults as in its reference: 50 iterations,
/// SGD with Nesterov momentum 0.9 and learning rate 5, gradient-norm clipping at 0.1, norm regulariser weight 0.01.
/// </summary>
public sealed record RenoOptions
{
    public int Iterations { get; init; } = 50;
    public double LearningRate { get; init; } = 5.0;
    public double RegWeight { get; init; } = 0.01;
    public double GradClip { get; init; } = 0.1;

    /// <summary>"sgd" (Nesterov momentum 0.9, the reference's) or "adam".</summary>
    public string Optimizer { get; init; } = "sgd";

    /// <summary>
    /// Recompute each UNet call in the backward pass instead of keeping its activations (diffusers' and ReNO's gradient
    /// checkpointing): about one more UNet forward per denoising step, for the memory of one step's activations.
    /// </summary>
    public bool GradientCheckpointing { get; init; }

    /// <summary>Stop early, returning the best iterate so far, once this much time has passed.</summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>
    /// Stop early once every seed's best iterate has reached this reward (the weighted sum, the negated reward-only loss):
    /// for a reward with a known bar, such as log P(pass) of the soft verifier, the first iterate past it rather than the
    /// rest of the iterations spent above it.
    /// </summary>
    public double? TargetReward { get; init; }
}

/// <summary>
/// One ReNO iteration: the reward-only loss and the loss with the regulariser (summed over the batch), each reward's mean
/// score, ‖z‖ of the whole batch, and the reward-only loss of each sample.
/// </summary>
public sealed record RenoIteration(int Iteration, double RewardLoss, double Loss, IReadOnlyDictionary<string, double> Rewards, double NoiseNorm,
    TimeSpan Elapsed)
{
    public IReadOnlyList<double> PerSample { get; init; } = [];
}
