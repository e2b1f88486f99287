using System.Text.Json.Serialization;

namespace Align.Schedulers;

/// <summary>diffusers' <c>EulerDiscreteScheduler</c> config.</summary>
public sealed record EulerDiscreteConfig : SchedulerConfig
{
    public EulerDiscreteConfig() => TimestepSpacing = TimestepSpacing.Linspace;

    public InterpolationType InterpolationType { get; init; } = InterpolationType.Linear;
    /// <summary>Karras et al. (2022) noise levels between the schedule's extremes (or <see cref="SigmaMin"/>/<see cref="SigmaMax"/>).</summary>
    public bool UseKarrasSigmas { get; init; }
    public double? SigmaMin { get; init; }
    public double? SigmaMax { get; init; }
    public TimestepType TimestepType { get; init; } = TimestepType.Discrete;

    // Options of later diffusers versions: read so that a config relying on them fails instead of running differently.
    public FinalSigmasType FinalSigmasType { get; init; } = FinalSigmasType.Zero;
    public bool UseExponentialSigmas { get; init; }
    public bool UseBetaSigmas { get; init; }

    public override void Validate()
    {
        base.Validate();
        if (UseExponentialSigmas) throw Invalid("use_exponential_sigmas", "true", "is not supported (diffusers 0.27 semantics)");
        if (UseBetaSigmas) throw Invalid("use_beta_sigmas", "true", "is not supported (diffusers 0.27 semantics)");
        if (FinalSigmasType != FinalSigmasType.Zero) throw Invalid("final_sigmas_type", "sigma_min", "is not supported for Euler (diffusers 0.27 semantics)");
        if (SigmaMin is <= 0) throw Invalid("sigma_min", SigmaMin, "must be positive");
        if (SigmaMax is <= 0) throw Invalid("sigma_max", SigmaMax, "must be positive");
    }
}

/// <summary>How Euler sigmas are interpolated between training timesteps; only diffusers' default is supported.</summary>
[JsonConverter(typeof(ConfigEnumConverter<InterpolationType>))]
public enum InterpolationType
{
    [JsonStringEnumMemberName("linear")] Linear,
}

/// <summary>Whether Euler timesteps are the discrete training ones; continuous (EDM) timesteps are not supported.</summary>
[JsonConverter(typeof(ConfigEnumConverter<TimestepType>))]
public enum TimestepType
{
    [JsonStringEnumMemberName("discrete")] Discrete,
}

/// <summary>The sigma appended after the last step: 0, or the training schedule's smallest (DPM-Solver only).</summary>
[JsonConverter(typeof(ConfigEnumConverter<FinalSigmasType>))]
public enum FinalSigmasType
{
    [JsonStringEnumMemberName("zero")] Zero,
    [JsonStringEnumMemberName("sigma_min")] SigmaMin,
}
