using Align.Rewards;
using Align.Pipelines;
using Torch;

namespace Align.Alignment;

/// <summary>One candidate of best-of-n: its seed and rewards (weighted total and each reward).</summary>
public sealed record Candidate(int Index, long Seed, double Total, IReadOnlyDictionary<string, double> Rewards);

/// <summary>After a batch of candidates: how many are scored of n, the best total so far, and the batch's candidates.</summary>
public sealed record BestOfNProgress(int Done, int Total, double Best, IReadOnlyList<Candidate> Scored);

/// <summary>The k best images [k, 3, H, W] (best first) with every candidate's scores.</summary>
public sealed record BestOfNResult(Tensor Images, IReadOnlyList<Candidate> Candidates, IReadOnlyList<int> Selected) : IDisposable
{
    public void Dispose() => Images.Dispose();
}

/// <summary>
/// Best-of-n: generate n candidates from n seeds (in batches that fit the device), score them with the rewards — any
/// reward, differentiable or not — and keep the k best by the weighted total.
/// </summary>
public static class BestOfN
{
    /// <param name="request">the prompt and options; its seeds are the n candidates</param>
    /// <param name="onCandidates">after each batch: candidates scored so far, n, the best total so far and the batch's candidates</param>
    public static BestOfNResult Run(TextToImagePipeline pipeline, TextToImageRequest request, RewardEnsemble rewards, int topK, int batchSize,
        Action<BestOfNProgress>? onCandidates = null, CancellationToken cancel = default)
    {
        int n = request.Seeds.Count;
        if (topK < 1 || topK > n) throw new ArgumentException($"top_k must be between 1 and n ({n}), got {topK}", nameof(topK));
        if (batchSize < 1) throw new ArgumentException($"batch size must be positive, got {batchSize}", nameof(batchSize));
        using var scope = torch.NewDisposeScope();
        using var noGrad = Autograd.NoGrad();
        var candidates = new List<Candidate>();
        var images = new List<Tensor>();
        for (int start = 0; start < n; start += batchSize)
        {
            cancel.ThrowIfCancellationRequested();
            long[] seeds = request.Seeds.Skip(start).Take(batchSize).ToArray();
            using GenerationResult result = pipeline.Generate(request with { Seeds = seeds }, cancel: cancel);
            string[] prompts = Enumerable.Repeat(request.Prompt, seeds.Length).ToArray();
            (Tensor total, IReadOnlyDictionary<string, Tensor> each) = rewards.ScoreAll(result.Images, prompts);
            float[] totals = total.To(Device.CPU, DType.Float32).ToArray<float>();
            Dictionary<string, float[]> perReward = each.ToDictionary(kv => kv.Key, kv => kv.Value.To(Device.CPU, DType.Float32).ToArray<float>());
            int batchStart = candidates.Count;
            for (int i = 0; i < seeds.Length; i++)
                candidates.Add(new Candidate(start + i, seeds[i], totals[i], perReward.ToDictionary(kv => kv.Key, kv => (double)kv.Value[i])));
            images.Add(result.Images.Clone());
            onCandidates?.Invoke(new BestOfNProgress(candidates.Count, n, candidates.Max(c => c.Total), candidates[batchStart..]));
        }
        // Highest total first; NaN (a reward that could not judge) ranks last; ties keep seed order.
        int[] selected = candidates.OrderByDescending(c => double.IsNaN(c.Total) ? double.NegativeInfinity : c.Total).ThenBy(c => c.Index)
            .Take(topK).Select(c => c.Index).ToArray();
        Tensor all = torch.Cat(images.ToArray());
        Tensor best = all.IndexSelect(0, Tensor.FromArray(selected.Select(i => (long)i).ToArray(), selected.Length).To(all.Device));
        return new BestOfNResult(best.MoveToOuterScope(), candidates, selected);
    }
}
