namespace Server.Queue;

/// <summary>The device work queue; bound from "Server:Queue".</summary>
public sealed class QueueOptions
{
    public const string Section = "Server:Queue";

    /// <summary>Requests that may wait per device; one more is refused at once (429 / RESOURCE_EXHAUSTED).</summary>
    public int Capacity { get; set; } = 32;

    /// <summary>Most images one device batch may hold (compatible requests are batched up to this).</summary>
    public int MaxBatchImages { get; set; } = 8;

    /// <summary>How long a worker waits for compatible requests to join a batch before starting it (0: take what is queued).</summary>
    public int BatchWindowMs { get; set; }

    /// <summary>Deadline of a request that names none (seconds); also the most a client may ask for.</summary>
    public double DefaultTimeoutSeconds { get; set; } = 300;

    /// <summary>Retry-After sent with a refusal for a full queue (seconds).</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>How long shutdown waits for work in flight before cancelling it (seconds).</summary>
    public double ShutdownTimeoutSeconds { get; set; } = 30;
}
