using Torch;

namespace Align.Pipelines;

/// <summary>Images [B, 3, H, W] in [0, 1] (owned by the result), their seeds, the timesteps run, and the raw VAE output before clamping.</summary>
public sealed record GenerationResult(Tensor Images, Tensor DecodedRaw, IReadOnlyList<long> Seeds, IReadOnlyList<double> Timesteps) : IDisposable
{
    public void Dispose()
    {
        Images.Dispose();
        DecodedRaw.Dispose();
    }
}

/// <summary>Progress of a run: <paramref name="Step"/> of <paramref name="Total"/> denoising steps done, with the latents after it.</summary>
public readonly record struct StepProgress(int Step, int Total, double Timestep, Tensor Latents);
