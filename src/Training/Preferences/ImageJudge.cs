using Align.Rewards;
using Align.ShapeWorld;
using Torch;

namespace Training.Preferences;

/// <summary>
/// Scores images against a prompt for building preference pairs; the higher score is preferred. Images are judged as they
/// are written (8-bit RGB), so a pair's verdicts hold for the files on disk.
/// </summary>
public interface IImageJudge : IDisposable
{
    /// <summary>Written to the manifest's "judge" field.</summary>
    string Name { get; }

    double[] Score(IReadOnlyList<RgbImage> images, Prompt prompt);
}

/// <summary>The ShapeWorld verifier: 1 when an image passes the prompt's spec, 0 when it fails.</summary>
public sealed class VerifierJudge : IImageJudge
{
    public string Name => "shapeworld-verifier";

    public double[] Score(IReadOnlyList<RgbImage> images, Prompt prompt) =>
        images.Select(image => Verifier.Verify(prompt.Spec, image).Passed ? 1.0 : 0.0).ToArray();

    public void Dispose() { }
}

/// <summary>A reward model (CLIP score, PickScore, HPSv2, aesthetic; see <see cref="RewardModels"/>) scoring the images against the prompt text.</summary>
public sealed class RewardJudge(IRewardModel reward, Device device) : IImageJudge
{
    public string Name => reward.Name;

    public static RewardJudge Load(string directory, Device device) =>
        new(RewardModels.Load(directory, Path.GetFileName(Path.GetFullPath(directory).TrimEnd('/')), device), device);

    public double[] Score(IReadOnlyList<RgbImage> images, Prompt prompt)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = Autograd.NoGrad();
        Tensor batch = torch.Stack(images.Select(i => i.ToTensor()).ToArray()).To(device);
        return reward.Score(batch, Enumerable.Repeat(prompt.Text, images.Count).ToArray()).To(Device.CPU).ToArray<float>().Select(v => (double)v).ToArray();
    }

    public void Dispose() => reward.Dispose();
}
