using Align.Rewards;

namespace Training.Rewards;

/// <summary>Reward models loaded from <see cref="RewardSpec"/>s and their weighted ensemble; disposing it disposes the models.</summary>
public sealed class LoadedRewards(RewardEnsemble ensemble, IReadOnlyList<IRewardModel> models) : IDisposable
{
    public RewardEnsemble Ensemble { get; } = ensemble;
    public IReadOnlyList<IRewardModel> Models { get; } = models;

    public void Dispose()
    {
        foreach (IRewardModel m in Models) m.Dispose();
    }
}
