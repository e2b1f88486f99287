namespace Server.Metrics;

/// <summary>Histogram bucket upper bounds declared as instrument advice by <see cref="ServerMetrics"/>.</summary>
public static class MetricBuckets
{
    /// <summary>Durations in seconds: 5 ms (a cached step) up to 2 minutes (a large model load, a long ReNO run).</summary>
    public static readonly IReadOnlyList<double> Seconds =
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];

    /// <summary>Requests per batch: powers of two up to the largest batch a GPU worker forms.</summary>
    public static readonly IReadOnlyList<int> BatchSizes = [1, 2, 4, 8, 16, 32, 64];

    /// <summary>
    /// Reward scores live on different scales per reward: cosine similarities in [-1, 1], probabilities and
    /// verifier accuracies in [0, 1], aesthetic ratings in 1..10, and logit-scaled CLIP/PickScore values in 0..100
    /// (typically 15..35). One set covers all four: fine steps in [0, 1], unit steps up to 8, steps of 5 in the
    /// CLIP range, then 50 and 100. The reward label keeps scales apart in queries.
    /// </summary>
    public static readonly IReadOnlyList<double> RewardScores =
        [-1, -0.5, -0.25, 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 2, 3, 4, 5, 6, 7, 8, 10, 15, 20, 25, 30, 35, 40, 50, 100];

    /// <summary>Used by the exporter for histograms that declare no buckets (the Prometheus client libraries' default).</summary>
    /// <summary>ReNO iterations or best-of-n candidates per request (limits default to 200 and 64).</summary>
    public static readonly IReadOnlyList<int> Iterations = [1, 2, 4, 8, 16, 32, 50, 64, 100, 200];

    /// <summary>Reward gained by alignment: rewards differ in scale (cosine, probabilities, logit-scaled CLIP), so wide and signed.</summary>
    public static readonly IReadOnlyList<double> RewardGains = [-1, -0.1, 0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20];

    public static readonly IReadOnlyList<double> Default = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
}
