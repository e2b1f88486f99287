using Torch;
using Torch.NN;
using Training.Loop;
using Checkpoint = Training.Loop.Checkpoint;

namespace Training.Tests;

/// <summary>The loop learns, checkpoints atomically, and a run resumed from a checkpoint ends exactly where an uninterrupted one does.</summary>
public class TrainingLoopTests
{
    private sealed class Regression : ITrainingTask, IDisposable
    {
        private readonly Linear _model = new(4, 1, generator: new Generator(5));
        public string Name => "regression";
        public Module Model => _model;
        public IEnumerable<Tensor> TrainableParameters => _model.Parameters();

        public IReadOnlyDictionary<string, double> Step(int step, Random random, Generator generator)
        {
            Tensor x = torch.Randn([16, 4], generator);
            Tensor y = x.Matmul(Tensor.FromArray(new float[] { 1, -2, 0.5f, 3 }, 4, 1)) + 0.25;
            Tensor loss = F.MseLoss(_model.Forward(x), y);
            loss.Backward();
            return new Dictionary<string, double> { ["loss"] = loss.ToDouble(), ["noise"] = random.NextDouble() };
        }

        public void Dispose() => _model.Dispose();
    }

    private static TrainingOptions Options(string dir, int steps) => new(dir, steps, 0.2, Seed: 11, CheckpointEvery: 10, WarmupSteps: 5);

    [Fact]
    public void LearnsAndResumesExactly()
    {
        using TempDirectory wholeTemp = new("loop"), splitTemp = new("loop");
        string whole = wholeTemp.Path, split = splitTemp.Path;
        var sink = new LineProgress(TextWriter.Null);
        using var a = new Regression();
        TrainingReport full = TrainingLoop.Run(a, Options(whole, 40), sink);
        Assert.True(full.Metrics[^1]["loss"] < full.Metrics[0]["loss"] * 0.1, $"loss {full.Metrics[0]["loss"]} → {full.Metrics[^1]["loss"]}");

        using (var first = new Regression()) TrainingLoop.Run(first, Options(split, 40) with { StopAt = 17 }, sink);
        using var resumed = new Regression();
        TrainingReport rest = TrainingLoop.Run(resumed, Options(split, 40), sink);
        Assert.Equal(40, rest.StepsDone);
        Assert.Equal(full.Metrics.Select(m => m["loss"]), rest.Metrics.Select(m => m["loss"]));
        Assert.Equal(full.Metrics.Select(m => m["noise"]), rest.Metrics.Select(m => m["noise"]));
        Assert.Equal(a.Model.Parameters().SelectMany(p => p.ToArray<float>()), resumed.Model.Parameters().SelectMany(p => p.ToArray<float>()));
        Assert.True(File.Exists(Path.Combine(split, "loss.png")));
        Assert.Equal(41, File.ReadAllLines(Path.Combine(split, "metrics.csv")).Length);
    }

    [Fact]
    public void CrashBetweenRenamesKeepsThePreviousCheckpoint()
    {
        using var temp = new TempDirectory("loop");
        string dir = temp.Path;
        using (var task = new Regression()) TrainingLoop.Run(task, Options(dir, 10), new LineProgress(TextWriter.Null));
        // What a crash after "move final to .old" and before "move temp to final" leaves behind.
        string final = Checkpoint.PathIn(dir);
        Directory.Move(final, final + ".old");
        Directory.CreateDirectory(final + ".tmp-crashed");
        File.WriteAllText(Path.Combine(final + ".tmp-crashed", "model.safetensors"), "half-written");
        using var again = new Regression();
        TrainingReport report = TrainingLoop.Run(again, Options(dir, 12), new LineProgress(TextWriter.Null));
        Assert.Equal(12, report.StepsDone);
        Assert.Equal(12, report.Metrics.Count);
        Assert.False(Directory.Exists(final + ".old"));
        Assert.False(Directory.Exists(final + ".tmp-crashed"));
    }

    [Fact]
    public void StopsOnItsTimeBudgetAndCheckpoints()
    {
        using var temp = new TempDirectory("loop");
        string dir = temp.Path;
        using var task = new Regression();
        TrainingReport report = TrainingLoop.Run(task, Options(dir, 1_000_000) with { TimeBudget = TimeSpan.FromMilliseconds(300) }, new LineProgress(TextWriter.Null));
        Assert.True(report.StoppedOnBudget);
        Assert.True(File.Exists(Path.Combine(Checkpoint.PathIn(dir), "state.json")));
    }
}
