using Torch;

namespace Align.Schedulers;

/// <summary>
/// diffusers 0.27.2 <c>EulerDiscreteScheduler</c> (Karras et al. 2022, Algorithm 2, without churn): deterministic
/// Euler steps of the probability-flow ODE in σ. With <c>timestep_spacing="trailing"</c> and one step it is the
/// SD-Turbo setting (timestep 999). Schedules follow diffusers' NumPy float64 / torch float32 arithmetic.
/// </summary>
public sealed class EulerDiscreteScheduler : SchedulerBase
{
    // training sigmas √((1−ᾱ)/ᾱ) by timestep (float32), and their float32 logs
    private readonly float[] _trainSigmas;
    private readonly float[] _logSigmas;
    private float[] _sigmas;

    public EulerDiscreteScheduler(EulerDiscreteConfig config) : base(config)
    {
        Config = config;
        // as diffusers: keeps the first sigma finite when ᾱ_T is rescaled to 0 (2^-24 is fp16's smallest subnormal)
        if (config.RescaleBetasZeroSnr) AlphasCumprodValues[^1] = MathF.Pow(2, -24);
        _trainSigmas = TrainSigmas(AlphasCumprodValues);
        _logSigmas = _trainSigmas.Select(NumPy.LogF).ToArray();

        // before SetTimesteps: every training timestep, highest first
        int n = config.NumTrainTimesteps;
        TimestepValues = NumPy.Linspace(0, n - 1, n).Reverse().Select(t => (double)(float)t).ToArray();
        _sigmas = [.. _trainSigmas.Reverse(), 0f];
    }

    public new EulerDiscreteConfig Config { get; }
    public override DType TimestepDType => DType.Float32;
    public override IReadOnlyList<float> Sigmas => _sigmas;

    /// <summary>σ_max for linspace/trailing spacing, else √(σ_max² + 1) (float32).</summary>
    public override double InitNoiseSigma
    {
        get
        {
            float max = _sigmas.Max();
            return Config.TimestepSpacing is TimestepSpacing.Linspace or TimestepSpacing.Trailing ? max : MathF.Sqrt(max * max + 1f);
        }
    }

    public override void SetTimesteps(int steps)
    {
        CheckSteps(steps);
        NumInferenceSteps = steps;
        float[] timesteps = Schedule(steps);

        double[] xp = Enumerable.Range(0, _trainSigmas.Length).Select(i => (double)i).ToArray();
        double[] fp = _trainSigmas.Select(s => (double)s).ToArray();
        double[] sigmas = timesteps.Select(t => NumPy.Interp(t, xp, fp)).ToArray();
        if (Config.UseKarrasSigmas)
        {
            sigmas = KarrasSigmas.From(sigmas, steps, Config.SigmaMin, Config.SigmaMax);
            timesteps = sigmas.Select(s => (float)KarrasSigmas.ToTimestep(s, _logSigmas)).ToArray();
        }

        TimestepValues = timesteps.Select(t => (double)t).ToArray();
        _sigmas = [.. sigmas.Select(s => (float)s), 0f];
        ResetStepIndex();
    }

    /// <summary>sample / √(σ² + 1) for the current step's σ.</summary>
    public override Tensor ScaleModelInput(Tensor sample, double timestep)
    {
        float sigma = _sigmas[InitStepIndex(timestep)];
        return sample / (double)MathF.Sqrt(sigma * sigma + 1f);
    }

    /// <summary>
    /// x_next = x + (x − x̂₀)/σ · (σ_next − σ). With a generator, draws (and discards) the churn noise diffusers
    /// always draws, so the generator's stream stays where diffusers leaves it.
    /// </summary>
    public override SchedulerStepOutput Step(Tensor modelOutput, double timestep, Tensor sample, Generator? generator = null)
    {
        int index = InitStepIndex(timestep);
        if (index + 1 >= _sigmas.Length)
            throw new InvalidOperationException($"step {index + 1} is past the end of the {TimestepValues.Length}-step schedule");
        float sigma = _sigmas[index], sigmaNext = _sigmas[index + 1];

        using var scope = torch.NewDisposeScope();
        if (generator is not null) NoiseLike(modelOutput, generator);
        Tensor x = sample.To(DType.Float32);
        Tensor predOriginal = Config.PredictionType switch
        {
            PredictionType.Epsilon => x - modelOutput * (double)sigma,
            PredictionType.VPrediction => modelOutput * (double)(-sigma / MathF.Sqrt(sigma * sigma + 1f)) + x / (double)(sigma * sigma + 1f),
            PredictionType.Sample => Share(modelOutput),
            _ => throw new InvalidOperationException($"prediction type {Config.PredictionType}"),
        };
        Tensor derivative = (x - predOriginal) / (double)sigma;
        Tensor prev = (x + derivative * (double)(sigmaNext - sigma)).To(modelOutput.DType);
        StepIndex = index + 1;
        return new SchedulerStepOutput(prev.MoveToOuterScope(), predOriginal.MoveToOuterScope());
    }

    /// <summary>original + noise·σ(t) for each sample's timestep, located in the current schedule as diffusers does.</summary>
    public override Tensor AddNoise(Tensor original, Tensor noise, Tensor timesteps)
    {
        int[] indices = NoisingIndices(timesteps);

        using var scope = torch.NewDisposeScope();
        float[] picked = indices.Select(i => _sigmas[i]).ToArray();
        long[] shape = [picked.Length, .. Enumerable.Repeat(1L, (int)Math.Max(0, original.Dim - 1))];
        Tensor sigma = Tensor.FromArray(picked, shape).To(original.Device, original.DType);
        return (original + noise * sigma).MoveToOuterScope();
    }

    // Timesteps by spacing: NumPy float64, stored as float32.
    private float[] Schedule(int steps)
    {
        int n = Config.NumTrainTimesteps;
        switch (Config.TimestepSpacing)
        {
            case TimestepSpacing.Linspace:
                return NumPy.Linspace(0, n - 1, steps).Reverse().Select(t => (float)t).ToArray();
            case TimestepSpacing.Leading:
                long ratio = n / steps;
                return Enumerable.Range(0, steps).Reverse().Select(i => (float)NumPy.Round((double)i * ratio) + Config.StepsOffset).ToArray();
            case TimestepSpacing.Trailing:
                return NumPy.Arange(n, 0, -((double)n / steps)).Select(t => (float)NumPy.Round(t) - 1f).ToArray();
            default:
                throw new InvalidOperationException($"timestep spacing {Config.TimestepSpacing}");
        }
    }
}
