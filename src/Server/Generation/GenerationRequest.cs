namespace Server.Generation;

/// <summary>
/// One validated generation request, whatever transport it came by: every default filled in, every value within limits.
/// Images get seeds <see cref="Seed"/>, <see cref="Seed"/> + 1, …; <see cref="Previews"/> progress events carry preview images.
/// <see cref="Scheduler"/> is the sampler that runs: the request's choice or the model's own.
/// </summary>
public sealed record GenerationRequest(
    string Id,
    string Transport,
    string Model,
    string Prompt,
    string? NegativePrompt,
    int Width,
    int Height,
    int Steps,
    double Guidance,
    string Scheduler,
    long Seed,
    int NumImages,
    IReadOnlyList<AdapterChoice> Adapters,
    AlignmentOptions Alignment,
    int Previews = 0)
{
    public IReadOnlyList<long> Seeds => Enumerable.Range(0, NumImages).Select(i => Seed + i).ToArray();

    /// <summary>The pipeline's request for these options, with <paramref name="seeds"/> (default: <see cref="Seeds"/>).</summary>
    public Align.Pipelines.TextToImageRequest ToPipeline(IReadOnlyList<long>? seeds = null) =>
        new(Prompt, seeds ?? Seeds, Width, Height, Steps, Guidance, string.IsNullOrEmpty(NegativePrompt) ? null : NegativePrompt, Scheduler: Scheduler);

    /// <summary>Requests with equal keys can run in one batch on the device.</summary>
    public BatchKey BatchKey => new(Model, Width, Height, Steps, Guidance, Scheduler, string.Join(",", Adapters.Select(a => $"{a.Name}:{a.Weight}")), Alignment.Method);
}

public readonly record struct BatchKey(string Model, int Width, int Height, int Steps, double Guidance, string Scheduler, string Adapters, string Method);

public sealed record AdapterChoice(string Name, double Weight);

/// <summary>The alignment method (none, best_of_n, reno, attend_excite) and its parameters.</summary>
public sealed record AlignmentOptions(
    string Method,
    IReadOnlyDictionary<string, double> Rewards,
    int? N = null,
    int? TopK = null,
    int? Iterations = null,
    double? LearningRate = null,
    double? RegWeight = null,
    double? GradClip = null,
    IReadOnlyList<int>? TokenIndices = null,
    int? TimeBudgetMs = null,
    double? TargetReward = null)
{
    public const string None = "none";
    public static readonly string[] Methods = [None, "best_of_n", "reno", "attend_excite"];
    public static readonly AlignmentOptions Default = new(None, new Dictionary<string, double>());
}
