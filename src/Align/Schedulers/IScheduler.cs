using Torch;

namespace Align.Schedulers;

/// <summary>
/// A diffusers-style sampling scheduler: <see cref="SetTimesteps"/>, then for each t in <see cref="Timesteps"/>:
/// model input = <see cref="ScaleModelInput"/>(x, t); x = <see cref="Step"/>(model output, t, x).PrevSample.
/// Start from noise × <see cref="InitNoiseSigma"/>. Tensors returned are new and owned by the caller; the math is
/// plain torch operations, so gradients flow through a sampling loop. A scheduler keeps the position of the run
/// (<see cref="StepIndex"/>): use one instance per sampling run (they are cheap to make), and dispose it after (a multistep
/// solver holds its previous outputs).
/// </summary>
public interface IScheduler : IDisposable
{
    SchedulerConfig Config { get; }
    PredictionType PredictionType { get; }
    int NumTrainTimesteps { get; }

    /// <summary>Steps asked of the last <see cref="SetTimesteps"/> (null before it).</summary>
    int? NumInferenceSteps { get; }

    /// <summary>The current schedule, as diffusers' <c>scheduler.timesteps</c> holds it (values exact in double).</summary>
    IReadOnlyList<double> Timesteps { get; }

    /// <summary>The dtype of diffusers' <c>scheduler.timesteps</c>: Float32 for Euler, Int64 for DDIM and LCM.</summary>
    DType TimestepDType { get; }

    /// <summary>Noise levels per step plus the final 0 (Euler); null for schedulers without a sigma schedule.</summary>
    IReadOnlyList<float>? Sigmas { get; }

    /// <summary>The standard deviation of the initial noise.</summary>
    double InitNoiseSigma { get; }

    /// <summary>ᾱ_t of the training schedule (float32).</summary>
    IReadOnlyList<float> AlphasCumprod { get; }

    /// <summary>Index into <see cref="Timesteps"/> of the next step (null until the first step or scaled input).</summary>
    int? StepIndex { get; }

    /// <summary>Index the first step starts at, when set by <see cref="SetBeginIndex"/> (e.g. img2img); cleared by <see cref="SetTimesteps"/>.</summary>
    int? BeginIndex { get; }

    void SetTimesteps(int steps);
    void SetBeginIndex(int beginIndex = 0);

    /// <summary>The model input for <paramref name="sample"/> at <paramref name="timestep"/>.</summary>
    Tensor ScaleModelInput(Tensor sample, double timestep);

    /// <summary>One denoising step from <paramref name="sample"/> at <paramref name="timestep"/>. <paramref name="generator"/> feeds any noise the step draws.</summary>
    SchedulerStepOutput Step(Tensor modelOutput, double timestep, Tensor sample, Generator? generator = null);

    /// <summary>The forward process: <paramref name="original"/> noised to each sample's timestep (<paramref name="timesteps"/> [B]).</summary>
    Tensor AddNoise(Tensor original, Tensor noise, Tensor timesteps);
}

/// <summary>
/// Result of a step: the sample for the next timestep, and the clean-sample estimate (x₀; for LCM its
/// boundary-conditioned <c>denoised</c>, which is what the LCM pipeline decodes at the end).
/// </summary>
public sealed record SchedulerStepOutput(Tensor PrevSample, Tensor PredOriginalSample) : IDisposable
{
    public void Dispose()
    {
        PrevSample.Dispose();
        PredOriginalSample.Dispose();
    }
}
