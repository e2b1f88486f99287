namespace Server.Generation;

/// <summary>What a finished request returns: per image its PNG, seed and reward scores; timings; the request id.</summary>
public sealed record GenerationResponse(
    string RequestId,
    string Model,
    IReadOnlyList<GeneratedImage> Images,
    AlignmentReport Alignment,
    Timings Timings)
{
    /// <summary>The sampler that ran (the request's choice or the model's own).</summary>
    public string Scheduler { get; init; } = "";

    /// <summary>The adapters the run applied, with the version it used of each.</summary>
    public IReadOnlyList<AppliedAdapter> Adapters { get; init; } = [];
}

public sealed record AppliedAdapter(string Name, string Version, double Weight);

public sealed record GeneratedImage(byte[] Png, long Seed, IReadOnlyDictionary<string, double> Rewards);

/// <summary>What the alignment method did: iterations run and the reward trace (empty for "none").</summary>
public sealed record AlignmentReport(string Method, int IterationsRun, IReadOnlyList<AlignmentIteration> Trace);

/// <summary>One ReNO iteration, or one best-of-n candidate (with its seed); loss = −Σ wᵢ·rewardᵢ.</summary>
public sealed record AlignmentIteration(int Iteration, double Loss, IReadOnlyDictionary<string, double> Rewards, long? Seed = null)
{
    public static AlignmentIteration Of(Align.Alignment.Candidate c) => new(c.Index, -c.Total, c.Rewards, c.Seed);
}

/// <summary>Milliseconds spent waiting in the queue, generating on the device, encoding PNGs, and in all.</summary>
public sealed record Timings(double QueueMs, double GenerateMs, double EncodeMs, double TotalMs);
