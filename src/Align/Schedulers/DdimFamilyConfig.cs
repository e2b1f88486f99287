namespace Align.Schedulers;

/// <summary>Fields DDIM and LCM share: the final ᾱ, and clipping or dynamic thresholding of the predicted x₀.</summary>
public abstract record DdimFamilyConfig : SchedulerConfig
{
    public bool ClipSample { get; init; }
    public double ClipSampleRange { get; init; } = 1.0;
    /// <summary>The "previous" ᾱ of the last step: 1 when set, else ᾱ at timestep 0.</summary>
    public bool SetAlphaToOne { get; init; } = true;
    /// <summary>Dynamic thresholding (Imagen, arXiv:2205.11487) of the predicted x₀; overrides <see cref="ClipSample"/>.</summary>
    public bool Thresholding { get; init; }
    public double DynamicThresholdingRatio { get; init; } = 0.995;
    public double SampleMaxValue { get; init; } = 1.0;

    public override void Validate()
    {
        base.Validate();
        if (Thresholding && DynamicThresholdingRatio is not (>= 0 and <= 1))
            throw Invalid("dynamic_thresholding_ratio", DynamicThresholdingRatio, "must lie in [0, 1]");
    }
}
