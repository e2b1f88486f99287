namespace Server.Api;

/// <summary>
/// A generation request as a client sent it, before validation: every field but the prompt may be absent (the server
/// default applies). HTTP binds its JSON body (snake_case) to this; gRPC copies its message into it. One validator turns
/// it into a <see cref="Generation.GenerationRequest"/>.
/// </summary>
public sealed class GenerateInput
{
    public string? Prompt { get; set; }
    public string? NegativePrompt { get; set; }
    public string? Model { get; set; }
    public int? Width { get; set; }
    public int? Height { get; set; }
    public int? Steps { get; set; }
    public double? Guidance { get; set; }
    /// <summary>A sampler in place of the model's own scheduler (one of <see cref="Align.Schedulers.SchedulerChoice.Names"/>).</summary>
    public string? Scheduler { get; set; }
    public long? Seed { get; set; }
    public int? NumImages { get; set; }
    public List<AdapterInput>? Adapters { get; set; }
    public AlignmentInput? Alignment { get; set; }

    /// <summary>How many progress events carry preview images of the run in progress (streaming clients; method "none").</summary>
    public int? Previews { get; set; }
}

public sealed class AdapterInput
{
    public string? Name { get; set; }
    public double? Weight { get; set; }
}

/// <summary>The alignment method and its parameters; each method reads the ones that concern it.</summary>
public sealed class AlignmentInput
{
    public string? Method { get; set; }
    public Dictionary<string, double>? Rewards { get; set; }
    public int? N { get; set; }
    public int? TopK { get; set; }
    public int? Iterations { get; set; }
    public double? LearningRate { get; set; }
    public double? RegWeight { get; set; }
    public double? GradClip { get; set; }
    public List<int>? TokenIndices { get; set; }
    public int? TimeBudgetMs { get; set; }
    public double? TargetReward { get; set; }
}
