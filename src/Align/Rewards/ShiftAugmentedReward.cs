using Torch;

namespace Align.Rewards;

/// <summary>
/// A reward scored as its mean over random translations of the images (expectation over transformation, Athalye et al.
/// 2018): each copy shifts the whole batch by up to <c>maxShift</c> pixels each way (edges replicated). A gradient that
/// climbs it must raise the score of every nearby shift, not exploit one pixel grid, which is what an optimiser of the
/// input (ReNO) otherwise finds in a small learnt reward.
/// </summary>
public sealed class ShiftAugmentedReward : IRewardModel
{
    private readonly IRewardModel _inner;
    private readonly int _copies, _maxShift;
    private readonly Random _shifts;

    /// <param name="inner">the reward to average; not owned</param>
    /// <param name="seed">seeds the shifts, so a run is reproducible</param>
    /// <exception cref="ArgumentException">fewer than 1 copy or a negative shift</exception>
    public ShiftAugmentedReward(IRewardModel inner, int copies, int maxShift, int seed = 0)
    {
        if (copies < 1) throw new ArgumentException($"copies must be at least 1, got {copies}", nameof(copies));
        if (maxShift < 0) throw new ArgumentException($"maxShift must be non-negative, got {maxShift}", nameof(maxShift));
        (_inner, _copies, _maxShift, _shifts) = (inner, copies, maxShift, new Random(seed));
    }

    public string Name => _inner.Name;
    public bool IsDifferentiable => _inner.IsDifferentiable;
    public IReadOnlyList<Torch.NN.Module> Modules => _inner.Modules;

    public Tensor Score(Tensor images, IReadOnlyList<string> prompts)
    {
        using var scope = torch.NewDisposeScope();
        long h = images.Size(2), w = images.Size(3);
        int s = _maxShift;
        Tensor padded = s > 0 ? F.Pad(images, [s, s, s, s], "replicate") : images;
        Tensor? total = null;
        for (int k = 0; k < _copies; k++)
        {
            int dy = _shifts.Next(-s, s + 1), dx = _shifts.Next(-s, s + 1);
            Tensor shifted = padded.Narrow(2, s + dy, h).Narrow(3, s + dx, w);
            Tensor score = _inner.Score(shifted, prompts);
            total = total is null ? score : total + score;
        }
        return (total! / _copies).MoveToOuterScope();
    }

    public void Dispose() { }
}
