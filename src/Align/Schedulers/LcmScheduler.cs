using Torch;

namespace Align.Schedulers;

/// <summary>
/// diffusers 0.27.2 <c>LCMScheduler</c> (Luo et al. 2023, Algorithm 3): each step maps the sample to the consistency
/// model's clean estimate <c>denoised</c> = c_out·x̂₀ + c_skip·x, then (except at the last step) re-noises it to the
/// next timestep with fresh noise from the step's generator (the global generator when none is given).
/// </summary>
public sealed class LcmScheduler : SchedulerBase
{
    private const float SigmaData = 0.5f;
    private readonly float _finalAlphaCumprod;

    public LcmScheduler(LcmConfig config) : base(config)
    {
        Config = config;
        _finalAlphaCumprod = config.SetAlphaToOne ? 1f : AlphasCumprodValues[0];
        TimestepValues = Enumerable.Range(0, config.NumTrainTimesteps).Reverse().Select(t => (double)t).ToArray();
    }

    public new LcmConfig Config { get; }
    public override DType TimestepDType => DType.Int64;

    public override void SetTimesteps(int steps) => SetTimesteps(steps, null);

    /// <summary>
    /// Takes <paramref name="steps"/> evenly spaced (by index) timesteps from the distillation schedule
    /// k−1, 2k−1, … (k = T / original steps), cut to the first <paramref name="strength"/> of it for img2img.
    /// </summary>
    public void SetTimesteps(int steps, int? originalInferenceSteps, double strength = 1.0)
    {
        CheckSteps(steps);
        int n = Config.NumTrainTimesteps;
        int original = originalInferenceSteps ?? Config.OriginalInferenceSteps;
        if (original < 1 || original > n)
            throw new ArgumentOutOfRangeException(nameof(originalInferenceSteps), original, $"must lie in [1, num_train_timesteps = {n}]");
        if (steps > n) throw new ArgumentOutOfRangeException(nameof(steps), steps, $"cannot be larger than num_train_timesteps = {n}");
        if (steps > original)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"cannot be larger than original_inference_steps = {original}");

        int k = n / original;
        int count = (int)(original * strength);
        if (count / steps < 1)
            throw new ArgumentOutOfRangeException(nameof(steps), steps,
                $"original_inference_steps × strength = {original} × {strength} leaves {count} timesteps, fewer than the steps asked");
        long[] originTimesteps = Enumerable.Range(1, count).Select(i => (long)i * k - 1).Reverse().ToArray();
        long[] picked = NumPy.Linspace(0, originTimesteps.Length, steps, endpoint: false)
            .Select(x => originTimesteps[(long)Math.Floor(x)]).ToArray();

        NumInferenceSteps = steps;
        TimestepValues = picked.Select(t => (double)t).ToArray();
        ResetStepIndex();
    }

    public override SchedulerStepOutput Step(Tensor modelOutput, double timestep, Tensor sample, Generator? generator = null)
    {
        if (NumInferenceSteps is not int steps)
            throw new InvalidOperationException("the number of inference steps is not set: call SetTimesteps first");
        long t = checked((long)timestep);
        if (t != timestep) throw new ArgumentException($"LCM timesteps are integers, got {timestep}", nameof(timestep));
        int index = InitStepIndex(timestep);
        long prevT = index + 1 < TimestepValues.Length ? (long)TimestepValues[index + 1] : t;

        float alpha = AlphaCumprodAt(t);
        float alphaPrev = prevT >= 0 ? AlphaCumprodAt(prevT) : _finalAlphaCumprod;
        float sqrtAlpha = MathF.Sqrt(alpha), sqrtBeta = MathF.Sqrt(1f - alpha);
        (float cSkip, float cOut) = BoundaryScalings(t);

        using var scope = torch.NewDisposeScope();
        Tensor predOriginal = Config.PredictionType switch
        {
            PredictionType.Epsilon => (sample - modelOutput * (double)sqrtBeta) / (double)sqrtAlpha,
            PredictionType.Sample => modelOutput,
            PredictionType.VPrediction => sample * (double)sqrtAlpha - modelOutput * (double)sqrtBeta,
            _ => throw new InvalidOperationException($"prediction type {Config.PredictionType}"),
        };
        predOriginal = SampleLimits.Apply(predOriginal, Config);
        Tensor denoised = predOriginal * (double)cOut + sample * (double)cSkip;

        Tensor prev = index != steps - 1
            ? denoised * (double)MathF.Sqrt(alphaPrev)
              + NoiseLike(denoised, generator) * (double)MathF.Sqrt(1f - alphaPrev)
            : Share(denoised);
        StepIndex = index + 1;
        return new SchedulerStepOutput(prev.MoveToOuterScope(), denoised.MoveToOuterScope());
    }

    /// <summary>c_skip = σ_d² / ((s·t)² + σ_d²), c_out = s·t / √((s·t)² + σ_d²), in float32 as for a tensor timestep.</summary>
    public (float CSkip, float COut) BoundaryScalings(long timestep)
    {
        float scaled = timestep * (float)Config.TimestepScaling;
        float denominator = scaled * scaled + SigmaData * SigmaData;
        return (SigmaData * SigmaData / denominator, scaled / MathF.Sqrt(denominator));
    }
}
