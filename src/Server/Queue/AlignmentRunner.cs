using System.Diagnostics;
using Align.Alignment;
using Align.Pipelines;
using Align.Rewards;
using Microsoft.Extensions.Options;
using Server.Generation;
using Server.Metrics;
using Server.Models;
using Torch;

namespace Server.Queue;

/// <summary>
/// Runs one request whose alignment method is not "none" on the device: best-of-n, or ReNO (optionally starting from the
/// best of n seeds). Streams each candidate batch or iteration as progress and reports the trace.
/// </summary>
public sealed class AlignmentRunner(IOptions<QueueOptions> options, ServerMetrics metrics)
{
    public (Tensor Images, long[][] Seeds, AlignmentReport[] Reports) Run(ServedModel model, WorkItem item, CancellationToken cancel)
    {
        GenerationRequest r = item.Request;
        AlignmentOptions a = r.Alignment;
        var rewards = new WeightedRewards(a.Rewards.Select(kv => (model.Rewards.First(m => m.Name == kv.Key), kv.Value)).ToArray());
        var watch = Stopwatch.StartNew();
        return a.Method switch
        {
            "best_of_n" => BestOf(model, item, rewards, a.N!.Value, a.TopK ?? 1, watch, cancel),
            "reno" => Reno(model, item, rewards, watch, cancel),
            _ => throw new InvalidOperationException($"no runner for alignment method '{a.Method}'"),
        };
    }

    private (Tensor, long[][], AlignmentReport[]) BestOf(ServedModel model, WorkItem item, WeightedRewards rewards, int n, int topK, Stopwatch watch,
        CancellationToken cancel)
    {
        GenerationRequest r = item.Request;
        using BestOfNResult result = Search(model, item, rewards, n, topK, cancel);
        var trace = result.Candidates.Select(c => new AlignmentIteration(c.Index, -c.Total, c.Rewards, c.Seed)).ToArray();
        long[] seeds = result.Selected.Select(i => result.Candidates[i].Seed).ToArray();
        metrics.AlignmentRun(r.Alignment.Method, n, result.Candidates[result.Selected[0]].Total - result.Candidates[0].Total, watch.Elapsed / n);
        return (result.Images.Clone(), [seeds], [new AlignmentReport(r.Alignment.Method, n, trace)]);
    }

    private BestOfNResult Search(ServedModel model, WorkItem item, WeightedRewards rewards, int n, int topK, CancellationToken cancel)
    {
        GenerationRequest r = item.Request;
        var request = new TextToImageRequest(r.Prompt, Enumerable.Range(0, n).Select(i => r.Seed + i).ToArray(), r.Width, r.Height, r.Steps,
            r.Guidance, string.IsNullOrEmpty(r.NegativePrompt) ? null : r.NegativePrompt);
        return BestOfN.Run(model.Pipeline, request, rewards, topK, options.Value.MaxBatchImages, (done, total, best) =>
            item.Publish(new ProgressEvent(r.Id, "candidates", done, total, new Dictionary<string, double> { ["best"] = best })), cancel);
    }

    private (Tensor, long[][], AlignmentReport[]) Reno(ServedModel model, WorkItem item, WeightedRewards rewards, Stopwatch watch, CancellationToken cancel)
    {
        GenerationRequest r = item.Request;
        AlignmentOptions a = r.Alignment;
        long seed = r.Seed;
        var trace = new List<AlignmentIteration>();
        if (a.N is int n)
        {
            using BestOfNResult start = Search(model, item, rewards, n, 1, cancel);
            seed = start.Candidates[start.Selected[0]].Seed;
            // the candidates (with their seeds) come first in the trace, then ReNO's iterations (without)
            trace.AddRange(start.Candidates.Select(c => new AlignmentIteration(c.Index, -c.Total, c.Rewards, c.Seed)));
        }
        var renoOptions = new RenoOptions
        {
            Iterations = a.Iterations ?? 50,
            LearningRate = a.LearningRate ?? 5.0,
            RegWeight = a.RegWeight ?? 0.01,
            GradClip = a.GradClip ?? 0.1,
            TimeBudget = a.TimeBudgetMs is int ms ? TimeSpan.FromMilliseconds(ms) : null,
        };
        var request = new TextToImageRequest(r.Prompt, [seed], r.Width, r.Height, r.Steps, r.Guidance,
            string.IsNullOrEmpty(r.NegativePrompt) ? null : r.NegativePrompt);
        using RenoResult result = Align.Alignment.Reno.Optimize(model.Pipeline, request, rewards, renoOptions, it =>
            item.Publish(new ProgressEvent(r.Id, "iteration", it.Iteration + 1, renoOptions.Iterations, it.Rewards)), cancel);
        trace.AddRange(result.Trace.Select(t => new AlignmentIteration(t.Iteration, t.RewardLoss, t.Rewards)));
        int iterations = result.Trace.Count;
        metrics.AlignmentRun(a.Method, iterations, result.Trace[0].RewardLoss - result.Trace[result.BestIteration].RewardLoss, watch.Elapsed / iterations);
        return (result.Image.Clone(), [[seed]], [new AlignmentReport(a.Method, iterations, trace)]);
    }
}
