namespace Server.Generation;

/// <summary>What a streaming client sees of a request, in order: queued, progress…, then result or error.</summary>
public abstract record GenerationEvent(string RequestId);

/// <summary>Admitted to the queue with <paramref name="Position"/> requests ahead of it.</summary>
public sealed record QueuedEvent(string RequestId, int Position) : GenerationEvent(RequestId);

/// <summary>
/// <paramref name="Step"/> of <paramref name="Total"/> denoising steps (or alignment iterations) done, with the current rewards
/// where there are some; best-of-n's progress also carries the candidates the step scored (seed, weighted total, each reward).
/// </summary>
public sealed record ProgressEvent(string RequestId, string Phase, int Step, int Total, IReadOnlyDictionary<string, double>? Rewards,
    IReadOnlyList<Align.Alignment.Candidate>? Candidates = null) : GenerationEvent(RequestId)
{
    /// <summary>At the request's preview steps: a PNG of each of its images as they stand after this step.</summary>
    public IReadOnlyList<byte[]>? Previews { get; init; }
}

public sealed record ResultEvent(string RequestId, GenerationResponse Response) : GenerationEvent(RequestId);

public sealed record ErrorEvent(string RequestId, Api.ServiceException Error) : GenerationEvent(RequestId);
