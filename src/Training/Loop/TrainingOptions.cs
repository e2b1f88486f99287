namespace Training.Loop;

/// <summary>How a training stage runs: where it writes, how long, how it steps and checkpoints.</summary>
/// <param name="OutputDirectory">the stage writes <c>checkpoint/</c>, <c>metrics.csv</c> and <c>loss.png</c> here</param>
/// <param name="Seed">batch k is drawn from (Seed, k) alone, so a resumed run sees exactly the data an uninterrupted one would</param>
/// <param name="WarmupSteps">linear learning-rate warm-up, then cosine decay to 10% at <paramref name="Steps"/></param>
/// <param name="StopAt">end this invocation at that step with a checkpoint, as a preempted job would (a later run resumes)</param>
/// <param name="GradientAccumulation">micro-batches whose gradients are averaged into one optimiser step</param>
public sealed record TrainingOptions(
    string OutputDirectory,
    int Steps,
    double LearningRate,
    ulong Seed,
    int CheckpointEvery = 500,
    int WarmupSteps = 100,
    double GradClip = 1.0,
    double WeightDecay = 0.01,
    TimeSpan? TimeBudget = null,
    int? StopAt = null,
    int GradientAccumulation = 1)
{
    public double LearningRateAt(int step)
    {
        if (step < WarmupSteps) return LearningRate * (step + 1) / WarmupSteps;
        double progress = Steps <= WarmupSteps ? 1 : (step - WarmupSteps) / (double)(Steps - WarmupSteps);
        return LearningRate * (0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, progress))));
    }
}
