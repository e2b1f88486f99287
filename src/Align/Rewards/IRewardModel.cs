using Torch;

namespace Align.Rewards;

/// <summary>
/// A reward: scores a batch of images against their prompts. Images enter as float tensors [B, 3, H, W] in [0, 1]; each
/// model applies its own preprocessing. Differentiable rewards keep the graph from pixels to scores (ReNO needs that);
/// the others may score from the pixels' values alone (best-of-n accepts any).
/// </summary>
public interface IRewardModel : IDisposable
{
    /// <summary>The name requests and responses use (e.g. "shapeworld-clip").</summary>
    string Name { get; }

    bool IsDifferentiable { get; }

    /// <returns>[B] float32 scores on the images' device; NaN where the reward cannot judge that prompt</returns>
    Tensor Score(Tensor images, IReadOnlyList<string> prompts);

    /// <summary>The modules holding the reward's weights (none for rewards computed from the pixels alone), which
    /// <see cref="RewardModels.Freeze"/> freezes and <see cref="RewardModels.Load"/> moves to the device.</summary>
    IReadOnlyList<Torch.NN.Module> Modules => [];
}
