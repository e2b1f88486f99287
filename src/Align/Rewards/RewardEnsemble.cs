using Torch;

namespace Align.Rewards;

/// <summary>A member of a <see cref="RewardEnsemble"/>: a reward and the weight its score is multiplied by.</summary>
public sealed record WeightedReward(IRewardModel Reward, double Weight);

/// <summary>
/// A weighted sum of rewards (ReNO optimises such a sum). Members with weight 0 are reported by <see cref="ScoreEach"/>
/// but left out of the sum, so they need not be differentiable and a NaN from them does not spread. The ensemble does
/// not own its members: disposing it leaves them to whoever loaded them.
/// </summary>
public sealed class RewardEnsemble : IRewardModel
{
    /// <summary>ReNO's default weights (ExplainableML/ReNO arguments.py: hps_weighting, pickscore_weighting, imagereward_weighting), by our reward names.</summary>
    public static readonly IReadOnlyDictionary<string, double> ReNOWeights = new Dictionary<string, double>
    {
        ["hpsv2"] = 5.0,
        ["pickscore"] = 0.05,
        ["imagereward"] = 1.0,
    };

    /// <summary>ReNO's CLIP weight (clip_weighting); its arguments.py leaves CLIP disabled by default.</summary>
    public const double ReNOClipWeight = 0.01;

    private readonly WeightedReward[] _members;

    /// <exception cref="ArgumentException">no members, two with one name, or a weight that is negative or not finite, or all zero</exception>
    public RewardEnsemble(IEnumerable<WeightedReward> members, string name = "ensemble")
    {
        _members = members.ToArray();
        if (_members.Length == 0) throw new ArgumentException("a reward ensemble needs at least one member", nameof(members));
        foreach (WeightedReward m in _members)
            if (!double.IsFinite(m.Weight) || m.Weight < 0)
                throw new ArgumentException($"reward '{m.Reward.Name}': weight must be finite and non-negative, got {m.Weight}", nameof(members));
        string[] duplicated = _members.GroupBy(m => m.Reward.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        if (duplicated.Length > 0) throw new ArgumentException($"reward(s) given twice: {string.Join(", ", duplicated)}", nameof(members));
        if (_members.All(m => m.Weight == 0)) throw new ArgumentException("every weight is 0: the ensemble would score nothing", nameof(members));
        Name = name;
    }

    /// <summary>The ensemble of <paramref name="available"/> rewards named in <paramref name="weights"/>.</summary>
    /// <exception cref="ArgumentException">a name that is not available (the message lists those that are), or an invalid weight</exception>
    public static RewardEnsemble FromWeights(IReadOnlyDictionary<string, double> weights, IReadOnlyDictionary<string, IRewardModel> available,
        string name = "ensemble")
    {
        string[] unknown = weights.Keys.Where(k => !available.ContainsKey(k)).ToArray();
        if (unknown.Length > 0)
            throw new ArgumentException($"unknown reward(s) {string.Join(", ", unknown)} (available: {string.Join(", ", available.Keys.Order(StringComparer.Ordinal))})", nameof(weights));
        return new RewardEnsemble(weights.Select(w => new WeightedReward(available[w.Key], w.Value)), name);
    }

    /// <summary>
    /// ReNO's weighting (<see cref="ReNOWeights"/>) over those of its rewards that are available. When none is, the
    /// <paramref name="fallback"/> reward alone with weight 1 (by default the embedded ShapeWorld CLIP).
    /// </summary>
    /// <exception cref="ArgumentException">neither a ReNO reward nor the fallback is available</exception>
    public static RewardEnsemble ReNODefault(IReadOnlyDictionary<string, IRewardModel> available, string fallback = "shapeworld-clip", string name = "reno")
    {
        var present = ReNOWeights.Where(w => available.ContainsKey(w.Key)).ToDictionary(w => w.Key, w => w.Value);
        if (present.Count > 0) return FromWeights(present, available, name);
        if (!available.ContainsKey(fallback))
            throw new ArgumentException($"none of ReNO's rewards ({string.Join(", ", ReNOWeights.Keys)}) nor the fallback '{fallback}' is available " +
                                        $"(available: {string.Join(", ", available.Keys.Order(StringComparer.Ordinal))})", nameof(available));
        return FromWeights(new Dictionary<string, double> { [fallback] = 1.0 }, available, name);
    }

    public string Name { get; }
    public IReadOnlyList<WeightedReward> Members => _members;
    public bool IsDifferentiable => _members.Where(m => m.Weight != 0).All(m => m.Reward.IsDifferentiable);

    /// <summary>Refuses an ensemble a gradient cannot pass through, naming its members that are not differentiable.</summary>
    /// <param name="method">who back-propagates the reward (e.g. "ReNO"), for the message</param>
    /// <exception cref="ArgumentException">a member with a non-zero weight is not differentiable</exception>
    public void RequireDifferentiable(string method)
    {
        string[] blocked = _members.Where(m => m.Weight != 0 && !m.Reward.IsDifferentiable).Select(m => m.Reward.Name).ToArray();
        if (blocked.Length > 0) throw new ArgumentException($"{method} needs differentiable rewards; not differentiable: {string.Join(", ", blocked)}");
    }

    /// <returns>[B] Σ weight · score over the members with non-zero weight</returns>
    public Tensor Score(Tensor images, IReadOnlyList<string> prompts)
    {
        using var scope = torch.NewDisposeScope();
        Tensor? total = null;
        foreach (WeightedReward m in _members.Where(m => m.Weight != 0))
        {
            Tensor weighted = m.Reward.Score(images, prompts) * m.Weight;
            total = total is null ? weighted : total + weighted;
        }
        return total!.MoveToOuterScope();
    }

    /// <summary>Every member's own (unweighted) scores, by reward name in member order, for per-reward reporting.</summary>
    /// <returns>[B] per member; the caller owns them</returns>
    public IReadOnlyDictionary<string, Tensor> ScoreEach(Tensor images, IReadOnlyList<string> prompts)
    {
        var scores = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (WeightedReward m in _members) scores[m.Reward.Name] = m.Reward.Score(images, prompts);
            return scores;
        }
        catch
        {
            foreach (Tensor t in scores.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>Each member's scores [B] and the weighted total [B], each reward run once (the graph kept when grad mode is on).</summary>
    public (Tensor Total, IReadOnlyDictionary<string, Tensor> Each) ScoreAll(Tensor images, IReadOnlyList<string> prompts)
    {
        IReadOnlyDictionary<string, Tensor> each = ScoreEach(images, prompts);
        using var scope = torch.NewDisposeScope();
        Tensor? total = null;
        foreach (WeightedReward m in _members.Where(m => m.Weight != 0))
        {
            Tensor weighted = each[m.Reward.Name] * m.Weight;
            total = total is null ? weighted : total + weighted;
        }
        return (total!.MoveToOuterScope(), each);
    }

    public void Dispose() { }
}
