using Align.ShapeWorld;
using Torch;

namespace Align.Rewards;

/// <summary>
/// The ShapeWorld verifier as a reward: 1 when the image passes the prompt's check, 0 when it fails, NaN when the prompt is
/// not a ShapeWorld caption. Reads pixels, so not differentiable.
/// </summary>
public sealed class ShapeWorldVerifierReward(string name = ShapeWorldVerifierReward.DefaultName) : IRewardModel
{
    public const string DefaultName = "shapeworld-verifier";

    public string Name => name;
    public bool IsDifferentiable => false;

    public Tensor Score(Tensor images, IReadOnlyList<string> prompts)
    {
        if (images.Size(0) != prompts.Count) throw new ArgumentException($"{images.Size(0)} images but {prompts.Count} prompts", nameof(prompts));
        using var scope = torch.NewDisposeScope();
        Tensor cpu = images.Detach().To(Device.CPU, DType.Float32);
        var scores = new float[prompts.Count];
        for (int i = 0; i < scores.Length; i++)
        {
            Spec? spec = CaptionParser.TryParse(prompts[i], out _);
            scores[i] = spec is null ? float.NaN : Verifier.Verify(spec, cpu[i]).Passed ? 1f : 0f;
        }
        return Tensor.FromArray(scores, scores.Length).To(images.Device).MoveToOuterScope();
    }

    public void Dispose() { }
}
