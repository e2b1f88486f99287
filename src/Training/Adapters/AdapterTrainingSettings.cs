using Align.Adapters;

namespace Training.Adapters;

/// <summary>
/// What every adapter-training command shares: the base model, the adapter's shape, the optimisation, where it writes,
/// the ShapeWorld evaluation at the end, and the store to publish to.
/// </summary>
public sealed record AdapterTrainingSettings
{
    public required string Model { get; init; }
    public required string Output { get; init; }
    public required string Name { get; init; }
    public int Rank { get; init; } = 8;
    public double? Alpha { get; init; }

    /// <summary>Component → target module names (default: the UNet's attention projections).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Targets { get; init; } =
        new Dictionary<string, IReadOnlyList<string>> { [AdapterKeys.UNet] = LoraConfig.UNetAttention };

    /// <summary>
    /// An adapter (any format the server reads) the trainable one starts from instead of B = 0, e.g. a second round of
    /// DPO on pairs sampled from the first round's adapter. Its layers must be the targets, at the same rank.
    /// </summary>
    public string? InitAdapter { get; init; }

    public double LearningRate { get; init; } = 1e-4;
    public int Steps { get; init; } = 500;
    public int Batch { get; init; } = 4;
    public int GradientAccumulation { get; init; } = 1;
    public ulong Seed { get; init; } = 1;
    public int CheckpointEvery { get; init; } = 100;
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>ShapeWorld prompts per category for the before/after evaluation (0: none).</summary>
    public int EvalPrompts { get; init; } = 10;
    public int EvalSeeds { get; init; } = 4;
    public int EvalSteps { get; init; } = 20;
    public double Guidance { get; init; } = 5.0;

    /// <summary>The adapter store to publish the result to (null: only written to <see cref="Output"/>/adapter).</summary>
    public string? Publish { get; init; }

    public string Device { get; init; } = "cpu";
}
