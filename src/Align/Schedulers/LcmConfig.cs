namespace Align.Schedulers;

/// <summary>diffusers' <c>LCMScheduler</c> config (its betas default to Stable Diffusion's).</summary>
public sealed record LcmConfig : DdimFamilyConfig
{
    public LcmConfig()
    {
        BetaStart = 0.00085;
        BetaEnd = 0.012;
        BetaSchedule = BetaSchedule.ScaledLinear;
    }

    /// <summary>Length of the distillation schedule the inference timesteps are taken from.</summary>
    public int OriginalInferenceSteps { get; init; } = 50;
    /// <summary>Multiplies the timestep in the boundary-condition scalings c_skip, c_out.</summary>
    public double TimestepScaling { get; init; } = 10.0;

    public override void Validate()
    {
        base.Validate();
        if (OriginalInferenceSteps < 1 || OriginalInferenceSteps > NumTrainTimesteps)
            throw Invalid("original_inference_steps", OriginalInferenceSteps, $"must lie in [1, num_train_timesteps = {NumTrainTimesteps}]");
    }
}
