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
        RewardEnsemble? rewards = a.Rewards.Count > 0 ? RewardEnsemble.FromWeights(a.Rewards, model.Rewards.ToDictionary(m => m.Name)) : null;
        var watch = Stopwatch.StartNew();
        return a.Method switch
        {
            "best_of_n" => BestOf(model, item, rewards!, a.N!.Value, a.TopK ?? 1, watch, cancel),
            "reno" => Reno(model, item, rewards!, watch, cancel),
            "attend_excite" => Attend(model, item, watch, cancel),
            _ => throw new InvalidOperationException($"no runner for alignment method '{a.Method}'"),
        };
    }

    private (Tensor, long[][], AlignmentReport[]) BestOf(ServedModel model, WorkItem item, RewardEnsemble rewards, int n, int topK, Stopwatch watch,
        CancellationToken cancel)
    {
        GenerationRequest r = item.Request;
        using BestOfNResult result = Search(model, item, rewards, n, topK, cancel);
        var trace = result.Candidates.Select(AlignmentIteration.Of).ToArray();
        long[] seeds = result.Selected.Select(i => result.Candidates[i].Seed).ToArray();
        metrics.AlignmentRun(r.Alignment.Method, n, result.Candidates[result.Selected[0]].Total - result.Candidates[0].Total, watch.Elapsed / n);
        return (result.Images.Clone(), [seeds], [new AlignmentReport(r.Alignment.Method, n, trace)]);
    }

    private BestOfNResult Search(ServedModel model, WorkItem item, RewardEnsemble rewards, int n, int topK, CancellationToken cancel)
    {
        GenerationRequest r = item.Request;
        TextToImageRequest request = r.ToPipeline(Enumerable.Range(0, n).Select(i => r.Seed + i).ToArray());
        return BestOfN.Run(model.Pipeline, request, rewards, topK, options.Value.MaxBatchImages, p =>
            item.Publish(new ProgressEvent(r.Id, "candidates", p.Done, p.Total, new Dictionary<string, double> { ["best"] = p.Best }, p.Scored)), cancel);
    }

    // Attend-and-Excite: progress and trace carry each subject token's max attention (mean over the images) per step; the
    // trace's loss is the reference's, max over tokens of (1 − max attention), averaged over the images.
    private (Tensor, long[][], AlignmentReport[]) Attend(ServedModel model, WorkItem item, Stopwatch watch, CancellationToken cancel)
    {
        GenerationRequest r = item.Request;
        var options = new AttendAndExciteOptions { TokenIndices = r.Alignment.TokenIndices };
        TextToImageRequest request = r.ToPipeline();
        var trace = new List<AlignmentIteration>();
        using GenerationResult result = new AttendAndExcite(model.Pipeline).Generate(request, options, p =>
        {
            var attention = new Dictionary<string, double>();
            for (int t = 0; t < p.TokenIndices.Count; t++) attention[$"attention[{p.TokenIndices[t]}]"] = p.MaxAttention.Average(image => image[t]);
            double loss = p.MaxAttention.Average(image => image.Max(v => 1 - v));
            trace.Add(new AlignmentIteration(p.Step, loss, attention));
            item.Publish(new ProgressEvent(r.Id, "attend", p.Step, p.Total, attention));
        }, cancel);
        double gain = trace.Count > 0 ? trace[0].Loss - trace[^1].Loss : 0;
        metrics.AlignmentRun(r.Alignment.Method, r.Steps, gain, watch.Elapsed / Math.Max(1, r.Steps));
        return (result.Images.Clone(), [r.Seeds.ToArray()], [new AlignmentReport(r.Alignment.Method, trace.Count, trace)]);
    }

    private (Tensor, long[][], AlignmentReport[]) Reno(ServedModel model, WorkItem item, RewardEnsemble rewards, Stopwatch watch, CancellationToken cancel)
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
            trace.AddRange(start.Candidates.Select(AlignmentIteration.Of));
        }
        var renoOptions = new RenoOptions
        {
            Iterations = a.Iterations ?? 50,
            LearningRate = a.LearningRate ?? 5.0,
            RegWeight = a.RegWeight ?? 0.01,
            GradClip = a.GradClip ?? 0.1,
            TimeBudget = a.TimeBudgetMs is int ms ? TimeSpan.FromMilliseconds(ms) : null,
            TargetReward = a.TargetReward,
            GradientCheckpointing = model.Options.GradientCheckpointing,
        };
        TextToImageRequest request = r.ToPipeline([seed]);
        using RenoResult result = Align.Alignment.Reno.Optimize(model.Pipeline, request, rewards, renoOptions, it =>
            item.Publish(new ProgressEvent(r.Id, "iteration", it.Iteration + 1, renoOptions.Iterations, it.Rewards)), cancel);
        trace.AddRange(result.Trace.Select(t => new AlignmentIteration(t.Iteration, t.RewardLoss, t.Rewards)));
        int iterations = result.Trace.Count;
        metrics.AlignmentRun(a.Method, iterations, result.Trace[0].RewardLoss - result.Trace[result.BestIteration].RewardLoss, watch.Elapsed / iterations);
        return (result.Image.Clone(), [[seed]], [new AlignmentReport(a.Method, iterations, trace)]);
    }
}
