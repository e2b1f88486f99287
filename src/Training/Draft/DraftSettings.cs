namespace Training.Draft;

/// <summary>
/// DRaFT's own settings (Clark et al. 2024): how each training sample is drawn, how far back the reward's gradient goes,
/// and the regularisers against reward hacking.
/// </summary>
public sealed record DraftSettings
{
    /// <summary>Sampling steps of the model's scheduler per training sample (T).</summary>
    public int SampleSteps { get; init; } = 10;

    /// <summary>DRaFT-K: the reward is back-propagated through the last K steps only; the first T − K run without grad.</summary>
    public int K { get; init; } = 1;

    /// <summary>DRaFT-LV (0: off): the finished sample is re-noised to the last timestep this many times and denoised once with grad each; the reward is averaged over them. Needs K = 1.</summary>
    public int Lv { get; init; }

    /// <summary>Classifier-free guidance scale while sampling.</summary>
    public double Guidance { get; init; } = 5.0;

    /// <summary>Image size in pixels (null: the model's default).</summary>
    public int? Size { get; init; }

    /// <summary>Recompute each grad step's UNet call in the backward pass instead of keeping its activations.</summary>
    public bool GradientCheckpointing { get; init; }

    /// <summary>Weight of the mean squared difference between the adapted and the base model's guided noise predictions at the grad steps (0: off).</summary>
    public double KlWeight { get; init; }

    /// <summary>Weight of Σ‖scale·B·A‖² over the LoRA's layers (0: off).</summary>
    public double LoraDecay { get; init; }

    /// <summary>
    /// Maximise exp(Σ wᵢ·rewardᵢ) instead of the sum. For log-likelihood rewards (the soft verifier's log P(pass), a judge's
    /// log σ(logit)) that is the probability itself, the product of the members' when there are several: a sample the
    /// rewards find hopeless (P ≈ 0) adds almost no gradient, where under the log it adds the largest.
    /// </summary>
    public bool ExpReward { get; init; }

    /// <summary>The first step that runs with grad.</summary>
    public int FirstGradStep => SampleSteps - (Lv > 0 ? 1 : K);

    /// <exception cref="ArgumentException">the settings contradict each other</exception>
    public void Validate()
    {
        if (SampleSteps < 1) throw new ArgumentException($"--sample-steps must be at least 1, got {SampleSteps}");
        if (K < 1 || K > SampleSteps) throw new ArgumentException($"--k must be between 1 and --sample-steps ({SampleSteps}), got {K}");
        if (Lv < 0) throw new ArgumentException($"--lv must be 0 (off) or a number of re-noised copies, got {Lv}");
        if (Lv > 0 && K != 1) throw new ArgumentException($"--lv is DRaFT-LV, defined for K = 1 (the last step); got --k {K}");
        if (!double.IsFinite(KlWeight) || KlWeight < 0) throw new ArgumentException($"--kl must be a non-negative weight, got {KlWeight}");
        if (!double.IsFinite(LoraDecay) || LoraDecay < 0) throw new ArgumentException($"--lora-scale-decay must be a non-negative weight, got {LoraDecay}");
        if (Size is <= 0) throw new ArgumentException($"--size must be positive, got {Size}");
    }
}
