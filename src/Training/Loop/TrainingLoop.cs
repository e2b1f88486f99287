using System.Diagnostics;
using System.Globalization;
using Torch;
using Torch.Optim;
using Training.Reports;

namespace Training.Loop;

/// <summary>What a stage did: steps run in total, whether it stopped on its time budget, and the metrics per step.</summary>
public sealed record TrainingReport(int StepsDone, bool StoppedOnBudget, IReadOnlyList<IReadOnlyDictionary<string, double>> Metrics, TimeSpan Elapsed);

/// <summary>
/// Runs a task with AdamW, warm-up + cosine learning rate, gradient accumulation and clipping, a dispose scope per step, periodic atomic
/// checkpoints, resume from the last checkpoint, and metrics written as CSV and a loss curve PNG.
/// </summary>
public static class TrainingLoop
{
    public static TrainingReport Run(ITrainingTask task, TrainingOptions o, IProgressSink progress)
    {
        Directory.CreateDirectory(o.OutputDirectory);
        var parameters = task.TrainableParameters.ToList();
        using var optimizer = new AdamW(parameters, o.LearningRate, weightDecay: o.WeightDecay);
        Checkpoint.State? resumed = Checkpoint.TryLoad(o.OutputDirectory, task.Model, optimizer);
        int start = resumed?.Step ?? 0;
        var metrics = resumed?.Metrics ?? [];
        if (resumed is not null) progress.Message($"{task.Name}: resuming at step {start} from {Checkpoint.PathIn(o.OutputDirectory)}");

        var watch = Stopwatch.StartNew();
        bool budgetHit = false;
        task.Model.Train();
        int step = start;
        for (; step < o.Steps; step++)
        {
            if (step == o.StopAt) break;
            if (o.TimeBudget is TimeSpan budget && watch.Elapsed > budget)
            {
                budgetHit = true;
                break;
            }
            long started = Stopwatch.GetTimestamp();
            using (var scope = torch.NewDisposeScope())
            {
                optimizer.LearningRate = o.LearningRateAt(step);
                optimizer.ZeroGrad();
                var m = new Dictionary<string, double>();
                int micro = Math.Max(1, o.GradientAccumulation);
                for (int k = 0; k < micro; k++)
                {
                    ulong stepSeed = SplitMix64(o.Seed ^ SplitMix64((ulong)step * (ulong)micro + (ulong)k));
                    var random = new Random(unchecked((int)stepSeed));
                    using var generator = new Generator(stepSeed);
                    using var microScope = torch.NewDisposeScope();
                    foreach ((string key, double value) in task.Step(step, random, generator))
                        m[key] = m.GetValueOrDefault(key) + value / micro;
                }
                if (micro > 1)
                    using (Autograd.NoGrad())
                        foreach (Tensor p in parameters)
                            p.Grad?.Mul_(1.0 / micro); // the mean of the micro-batches' gradients
                m["grad_norm"] = Autograd.ClipGradNorm(parameters, o.GradClip);
                m["lr"] = optimizer.LearningRate;
                optimizer.Step();
                m["step_ms"] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                metrics.Add(m);
                progress.Step(task.Name, step + 1, o.Steps, m);
            }
            if ((step + 1) % o.CheckpointEvery == 0) Save(task, optimizer, o, step + 1, metrics);
        }
        Save(task, optimizer, o, step, metrics);
        task.Model.Eval();
        return new TrainingReport(step, budgetHit, metrics, watch.Elapsed);
    }

    // A fixed mixing function (not HashCode, which is seeded per process): the same (seed, step) always gives the same batch.
    private static ulong SplitMix64(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    private static void Save(ITrainingTask task, Optimizer optimizer, TrainingOptions o, int step, List<Dictionary<string, double>> metrics)
    {
        Checkpoint.Save(o.OutputDirectory, task.Model, optimizer, new Checkpoint.State(step, metrics));
        WriteMetrics(o.OutputDirectory, metrics);
    }

    /// <summary>metrics.csv (one row per step) and loss.png (the first metric, raw and smoothed).</summary>
    public static void WriteMetrics(string directory, IReadOnlyList<IReadOnlyDictionary<string, double>> metrics)
    {
        if (metrics.Count == 0) return;
        string[] keys = metrics[0].Keys.ToArray();
        var lines = new List<string> { "step," + string.Join(',', keys) };
        for (int i = 0; i < metrics.Count; i++)
            lines.Add((i + 1) + "," + string.Join(',', keys.Select(k => metrics[i].TryGetValue(k, out double v) ? v.ToString("G6", CultureInfo.InvariantCulture) : "")));
        File.WriteAllLines(Path.Combine(directory, "metrics.csv"), lines);
        double[] loss = metrics.Select(m => m[keys[0]]).ToArray();
        File.WriteAllBytes(Path.Combine(directory, "loss.png"), LineChart.Render([loss, Smooth(loss, Math.Max(1, loss.Length / 50))]));
    }

    private static double[] Smooth(double[] values, int window) =>
        values.Select((_, i) => values.Skip(Math.Max(0, i - window + 1)).Take(Math.Min(window, i + 1)).Average()).ToArray();
}
