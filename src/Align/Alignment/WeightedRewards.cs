using Align.Rewards;
using Torch;

namespace Align.Alignment;

/// <summary>Reward models with their weights, as an alignment method uses them: Σ wᵢ·rewardᵢ is what it maximises.</summary>
public sealed class WeightedRewards
{
    public WeightedRewards(IReadOnlyList<(IRewardModel Model, double Weight)> members)
    {
        if (members.Count == 0) throw new ArgumentException("at least one reward is needed", nameof(members));
        foreach ((IRewardModel m, double w) in members)
            if (!double.IsFinite(w) || w < 0) throw new ArgumentException($"reward '{m.Name}': weight must be finite and ≥ 0, got {w}", nameof(members));
        Members = members;
    }

    public IReadOnlyList<(IRewardModel Model, double Weight)> Members { get; }

    public bool IsDifferentiable => Members.All(m => m.Weight == 0 || m.Model.IsDifferentiable);

    /// <summary>Every member's scores [B] and the weighted total [B]; the graph to the images is kept when grad mode is on.</summary>
    public (Tensor Total, IReadOnlyDictionary<string, Tensor> Each) Score(Tensor images, IReadOnlyList<string> prompts)
    {
        var each = new Dictionary<string, Tensor>();
        Tensor? total = null;
        foreach ((IRewardModel model, double weight) in Members)
        {
            Tensor s = model.Score(images, prompts);
            each[model.Name] = s;
            if (weight != 0) total = total is null ? s * weight : total + s * weight;
        }
        return (total ?? torch.ZerosLike(each.Values.First()), each);
    }
}
