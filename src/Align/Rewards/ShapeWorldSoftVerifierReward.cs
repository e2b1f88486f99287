using Align.ShapeWorld;
using Torch;

namespace Align.Rewards;

/// <summary>
/// The ShapeWorld verifier relaxed into a differentiable reward (<see cref="SoftVerifier"/>): log P(the image passes the
/// prompt's check), at most 0; NaN when the prompt is not a ShapeWorld caption. An oracle for ShapeWorld, since it
/// judges what the verifier measures.
/// </summary>
public sealed class ShapeWorldSoftVerifierReward(string name = ShapeWorldSoftVerifierReward.DefaultName) : IRewardModel
{
    public const string DefaultName = "shapeworld-soft-verifier";

    public string Name => name;
    public bool IsDifferentiable => true;

    public Tensor Score(Tensor images, IReadOnlyList<string> prompts)
    {
        if (images.Size(0) != prompts.Count) throw new ArgumentException($"{images.Size(0)} images but {prompts.Count} prompts", nameof(prompts));
        using var scope = torch.NewDisposeScope();
        var scores = new Tensor[prompts.Count];
        for (int i = 0; i < scores.Length; i++)
            scores[i] = CaptionParser.TryParse(prompts[i], out _) is { } spec
                ? SoftVerifier.LogProbability(images[i], spec)
                : torch.Scalar(float.NaN, device: images.Device);
        return torch.Stack(scores).MoveToOuterScope();
    }

    public void Dispose() { }
}
