using Torch;

namespace Align.Schedulers;

/// <summary>
/// diffusers 0.27.2 <c>DDIMScheduler</c> (Song et al. 2020): deterministic at <see cref="Eta"/> = 0. The previous
/// timestep is always t − T / n, as diffusers computes it whatever the spacing.
/// </summary>
public sealed class DdimScheduler : SchedulerBase
{
    private readonly float _finalAlphaCumprod;
    private double _eta;

    public DdimScheduler(DdimConfig config) : base(config)
    {
        Config = config;
        _finalAlphaCumprod = config.SetAlphaToOne ? 1f : AlphasCumprodValues[0];
        TimestepValues = Enumerable.Range(0, config.NumTrainTimesteps).Reverse().Select(t => (double)t).ToArray();
    }

    public new DdimConfig Config { get; }
    public override DType TimestepDType => DType.Int64;

    /// <summary>η of formula (16): 0 is deterministic DDIM, 1 is DDPM-like; noise comes from the step's generator.</summary>
    public double Eta
    {
        get => _eta;
        set => _eta = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "eta must be non-negative");
    }

    /// <summary>Re-derive ε from the clipped x₀ (diffusers' <c>use_clipped_model_output</c>).</summary>
    public bool UseClippedModelOutput { get; set; }

    public override void SetTimesteps(int steps)
    {
        CheckSteps(steps);
        int n = Config.NumTrainTimesteps;
        if (steps > n) throw new ArgumentOutOfRangeException(nameof(steps), steps, $"cannot be larger than num_train_timesteps = {n}");
        NumInferenceSteps = steps;
        IEnumerable<double> timesteps = Config.TimestepSpacing switch
        {
            TimestepSpacing.Linspace => NumPy.Linspace(0, n - 1, steps).Select(NumPy.Round).Reverse(),
            TimestepSpacing.Leading => Enumerable.Range(0, steps).Reverse().Select(i => (double)i * (n / steps) + Config.StepsOffset),
            TimestepSpacing.Trailing => NumPy.Arange(n, 0, -((double)n / steps)).Select(t => NumPy.Round(t) - 1),
            _ => throw new InvalidOperationException($"timestep spacing {Config.TimestepSpacing}"),
        };
        TimestepValues = timesteps.ToArray();
        ResetStepIndex();
    }

    public override SchedulerStepOutput Step(Tensor modelOutput, double timestep, Tensor sample, Generator? generator = null)
    {
        if (NumInferenceSteps is not int steps)
            throw new InvalidOperationException("the number of inference steps is not set: call SetTimesteps first");
        long t = checked((long)timestep);
        if (t != timestep) throw new ArgumentException($"DDIM timesteps are integers, got {timestep}", nameof(timestep));
        long prevT = t - Config.NumTrainTimesteps / steps;
        float alpha = AlphaCumprodAt(t);
        float alphaPrev = prevT >= 0 ? AlphaCumprodAt(prevT) : _finalAlphaCumprod;
        float beta = 1f - alpha, betaPrev = 1f - alphaPrev;
        float sqrtAlpha = MathF.Sqrt(alpha), sqrtBeta = MathF.Sqrt(beta);

        using var scope = torch.NewDisposeScope();
        (Tensor predOriginal, Tensor predEpsilon) = Config.PredictionType switch
        {
            PredictionType.Epsilon => ((sample - modelOutput * (double)sqrtBeta) / (double)sqrtAlpha, modelOutput),
            PredictionType.Sample => (modelOutput, (sample - modelOutput * (double)sqrtAlpha) / (double)sqrtBeta),
            PredictionType.VPrediction => (sample * (double)sqrtAlpha - modelOutput * (double)sqrtBeta,
                modelOutput * (double)sqrtAlpha + sample * (double)sqrtBeta),
            _ => throw new InvalidOperationException($"prediction type {Config.PredictionType}"),
        };
        predOriginal = SampleLimits.Apply(predOriginal, Config);

        float variance = betaPrev / beta * (1f - alpha / alphaPrev);
        float stdDev = (float)_eta * MathF.Sqrt(variance);
        if (UseClippedModelOutput) predEpsilon = (sample - predOriginal * (double)sqrtAlpha) / (double)sqrtBeta;

        Tensor direction = predEpsilon * (double)MathF.Sqrt(1f - alphaPrev - stdDev * stdDev);
        Tensor prev = predOriginal * (double)MathF.Sqrt(alphaPrev) + direction;
        if (_eta > 0)
            prev = prev + NoiseLike(modelOutput, generator) * (double)stdDev;
        if (ReferenceEquals(predOriginal, modelOutput)) predOriginal = Share(modelOutput);
        return new SchedulerStepOutput(prev.MoveToOuterScope(), predOriginal.MoveToOuterScope());
    }
}
