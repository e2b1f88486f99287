using System.Text.Json.Serialization;

namespace Align.Schedulers;

/// <summary>
/// diffusers' <c>DPMSolverMultistepScheduler</c> config. The DPM-Solver++ algorithm (data prediction) of orders 1 and 2
/// runs here; the noise-prediction and SDE variants, third order, Lu's lambdas and learned variances are refused by name.
/// </summary>
public sealed record DpmSolverMultistepConfig : SchedulerConfig
{
    public DpmSolverMultistepConfig() => TimestepSpacing = TimestepSpacing.Linspace;

    public int SolverOrder { get; init; } = 2;
    public DpmAlgorithmType AlgorithmType { get; init; } = DpmAlgorithmType.DpmSolverPlusPlus;
    public DpmSolverType SolverType { get; init; } = DpmSolverType.Midpoint;
    /// <summary>First order for the last step (and second for the one before) below 15 steps, for stability.</summary>
    public bool LowerOrderFinal { get; init; } = true;
    public bool EulerAtFinal { get; init; }
    public bool UseKarrasSigmas { get; init; }
    public bool UseLuLambdas { get; init; }
    public FinalSigmasType FinalSigmasType { get; init; } = FinalSigmasType.Zero;
    /// <summary>λ(t) below this is cut from the schedule (for the cosine schedule); −∞ cuts nothing.</summary>
    public double LambdaMinClipped { get; init; } = double.NegativeInfinity;
    public string? VarianceType { get; init; }
    public bool Thresholding { get; init; }

    public override void Validate()
    {
        base.Validate();
        if (SolverOrder is not (1 or 2)) throw Invalid("solver_order", SolverOrder, "is not supported (1 or 2)");
        if (UseLuLambdas) throw Invalid("use_lu_lambdas", "true", "is not supported");
        if (VarianceType is not null) throw Invalid("variance_type", VarianceType, "is not supported (a model predicting its variance)");
        if (Thresholding) throw Invalid("thresholding", "true", "is not supported with DPM-Solver (diffusers: unsuitable for latent models)");
        if (RescaleBetasZeroSnr) throw Invalid("rescale_betas_zero_snr", "true", "is not supported with DPM-Solver");
        if (double.IsNaN(LambdaMinClipped)) throw Invalid("lambda_min_clipped", "NaN", "must be a number or -Infinity");
    }
}

/// <summary>DPM-Solver's formulation; only DPM-Solver++ (data prediction, arXiv:2211.01095) is supported.</summary>
[JsonConverter(typeof(ConfigEnumConverter<DpmAlgorithmType>))]
public enum DpmAlgorithmType
{
    [JsonStringEnumMemberName("dpmsolver++")] DpmSolverPlusPlus,
}

/// <summary>How the second-order step uses the previous model output.</summary>
[JsonConverter(typeof(ConfigEnumConverter<DpmSolverType>))]
public enum DpmSolverType
{
    [JsonStringEnumMemberName("midpoint")] Midpoint,
    [JsonStringEnumMemberName("heun")] Heun,
}
