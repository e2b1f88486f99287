using Torch;

namespace Align.Schedulers;

/// <summary>What the schedulers share: the training ᾱ, the timestep list, diffusers' step-index tracking, and DDPM noising.</summary>
public abstract class SchedulerBase : IScheduler
{
    private static readonly Op Alias = new("aten::alias");

    protected SchedulerBase(SchedulerConfig config)
    {
        config.Validate();
        Config = config;
        AlphasCumprodValues = NoiseSchedule.AlphasCumprod(config);
    }

    public SchedulerConfig Config { get; }
    public PredictionType PredictionType => Config.PredictionType;
    public int NumTrainTimesteps => Config.NumTrainTimesteps;
    public int? NumInferenceSteps { get; protected set; }
    public IReadOnlyList<double> Timesteps => TimestepValues;
    public abstract DType TimestepDType { get; }
    public virtual IReadOnlyList<float>? Sigmas => null;
    public virtual double InitNoiseSigma => 1.0;
    public IReadOnlyList<float> AlphasCumprod => AlphasCumprodValues;
    public int? StepIndex { get; protected set; }
    public int? BeginIndex { get; private set; }

    protected float[] AlphasCumprodValues { get; }
    protected double[] TimestepValues { get; set; } = [];

    public abstract void SetTimesteps(int steps);

    public void SetBeginIndex(int beginIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(beginIndex);
        BeginIndex = beginIndex;
    }

    /// <summary>The input unchanged (as a new tensor object sharing it, in the autograd graph).</summary>
    public virtual Tensor ScaleModelInput(Tensor sample, double timestep) => Share(sample);

    public abstract SchedulerStepOutput Step(Tensor modelOutput, double timestep, Tensor sample, Generator? generator = null);

    /// <summary>
    /// Standard normal noise shaped like <paramref name="like"/>, drawn on the CPU from <paramref name="generator"/> then moved
    /// to its device (diffusers' randn_tensor with a CPU generator), so a seed gives the same noise on every device.
    /// </summary>
    protected static Tensor NoiseLike(Tensor like, Generator? generator)
    {
        using var scope = torch.NewDisposeScope();
        Tensor noise = torch.Randn(like.Shape, generator, DType.Float32);
        return noise.To(like.Device, like.DType).MoveToOuterScope();
    }

    /// <summary>DDPM's forward process: √ᾱ_t·x₀ + √(1−ᾱ_t)·ε, with ᾱ in the sample's dtype.</summary>
    public virtual Tensor AddNoise(Tensor original, Tensor noise, Tensor timesteps)
    {
        using var scope = torch.NewDisposeScope();
        (Tensor sqrtAlpha, Tensor sqrtOneMinusAlpha) = AlphaFactors(original, timesteps);
        return (sqrtAlpha * original + sqrtOneMinusAlpha * noise).MoveToOuterScope();
    }

    /// <summary>DDPM's velocity target v = √ᾱ_t·ε − √(1−ᾱ_t)·x (for training v-prediction models).</summary>
    public Tensor GetVelocity(Tensor sample, Tensor noise, Tensor timesteps)
    {
        using var scope = torch.NewDisposeScope();
        (Tensor sqrtAlpha, Tensor sqrtOneMinusAlpha) = AlphaFactors(sample, timesteps);
        return (sqrtAlpha * noise - sqrtOneMinusAlpha * sample).MoveToOuterScope();
    }

    /// <summary>
    /// diffusers' <c>index_for_timestep</c>: the position of <paramref name="timestep"/> in the schedule, the second
    /// one if it occurs twice, so that a schedule entered mid-way (img2img) does not skip a sigma.
    /// </summary>
    protected int IndexForTimestep(double timestep)
    {
        int first = -1;
        for (int i = 0; i < TimestepValues.Length; i++)
        {
            if (TimestepValues[i] != timestep) continue;
            if (first >= 0) return i;
            first = i;
        }
        if (first < 0) throw new ArgumentException($"timestep {timestep} is not in the schedule [{string.Join(", ", TimestepValues)}]", nameof(timestep));
        return first;
    }

    /// <summary>
    /// The schedule positions a sigma-based add_noise uses: each timestep located in the schedule, or, once the pipeline
    /// has fixed where sampling begins (img2img), the current step (or that beginning) for all of them, as diffusers does.
    /// </summary>
    protected int[] NoisingIndices(Tensor timesteps)
    {
        double[] values;
        using (Tensor asDouble = timesteps.To(DType.Float64).Flatten()) values = asDouble.ToArray<double>();
        return BeginIndex is null ? values.Select(IndexForTimestep).ToArray()
            : Enumerable.Repeat(StepIndex ?? BeginIndex.Value, values.Length).ToArray();
    }

    protected int InitStepIndex(double timestep)
    {
        StepIndex ??= BeginIndex ?? IndexForTimestep(timestep);
        return StepIndex.Value;
    }

    protected void ResetStepIndex()
    {
        StepIndex = null;
        BeginIndex = null;
    }

    /// <summary>Frees what a scheduler keeps between steps (a multistep solver's previous outputs); most keep nothing.</summary>
    public virtual void Dispose()
    {
    }

    /// <summary>σ = √((1 − ᾱ)/ᾱ) of each training timestep, in float32 as diffusers computes it with torch.</summary>
    protected static float[] TrainSigmas(float[] alphasCumprod)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = Autograd.NoGrad();
        Tensor ac = Tensor.FromArray(alphasCumprod);
        return ((1.0 - ac) / ac).Pow(0.5).ToArray<float>();
    }

    /// <summary>A new tensor object for the same tensor (diffusers returns the very object; here each result has its own owner).</summary>
    protected static Tensor Share(Tensor t) => Alias.Call(t);

    protected static void CheckSteps(int steps)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "the number of inference steps must be at least 1");
    }

    /// <summary>ᾱ at a training timestep, negative ones counting from the end as Python indexing does.</summary>
    protected float AlphaCumprodAt(long timestep)
    {
        long i = timestep < 0 ? timestep + AlphasCumprodValues.Length : timestep;
        if (i < 0 || i >= AlphasCumprodValues.Length)
            throw new ArgumentOutOfRangeException(nameof(timestep), timestep, $"outside the {AlphasCumprodValues.Length} training timesteps");
        return AlphasCumprodValues[i];
    }

    /// <summary>√ᾱ_t and √(1−ᾱ_t) per batch element, shaped to broadcast against <paramref name="like"/> (in the current scope).</summary>
    private (Tensor, Tensor) AlphaFactors(Tensor like, Tensor timesteps)
    {
        Tensor alphas = Tensor.FromArray(AlphasCumprodValues).To(like.Device, like.DType);
        Tensor index = timesteps.To(like.Device, DType.Int64);
        Tensor selected = alphas.Index(index).Flatten();
        long[] shape = [selected.Size(0), .. Enumerable.Repeat(1L, (int)Math.Max(0, like.Dim - 1))];
        return (selected.Pow(0.5).Reshape(shape), (1.0 - selected).Pow(0.5).Reshape(shape));
    }
}
