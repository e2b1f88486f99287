using Align.V1;
using Server.Api;

namespace Server.Grpc;

/// <summary>
/// A GenerateRequest message as the transport-neutral <see cref="GenerateInput"/>: an absent optional field becomes null
/// (the server default), as an absent JSON field does. Validation is the validator's, not the transport's.
/// </summary>
public static class GenerateInputTranslation
{
    public static GenerateInput ToInput(GenerateRequest r) => new()
    {
        Prompt = r.HasPrompt ? r.Prompt : null,
        NegativePrompt = r.HasNegativePrompt ? r.NegativePrompt : null,
        Model = r.HasModel ? r.Model : null,
        Width = r.HasWidth ? r.Width : null,
        Height = r.HasHeight ? r.Height : null,
        Steps = r.HasSteps ? r.Steps : null,
        Guidance = r.HasGuidance ? r.Guidance : null,
        Scheduler = r.HasScheduler ? r.Scheduler : null,
        Seed = r.HasSeed ? r.Seed : null,
        NumImages = r.HasNumImages ? r.NumImages : null,
        // A repeated field cannot be absent; empty stands for absent.
        Adapters = r.Adapters.Count == 0 ? null : r.Adapters.Select(a => new AdapterInput
        {
            Name = a.HasName ? a.Name : null,
            Weight = a.HasWeight ? a.Weight : null,
        }).ToList(),
        Alignment = r.Alignment is null ? null : ToInput(r.Alignment),
        Previews = r.HasPreviews ? r.Previews : null,
    };

    private static AlignmentInput ToInput(Alignment a) => new()
    {
        Method = a.HasMethod ? a.Method : null,
        Rewards = a.Rewards.Count == 0 ? null : new Dictionary<string, double>(a.Rewards),
        N = a.HasN ? a.N : null,
        TopK = a.HasTopK ? a.TopK : null,
        Iterations = a.HasIterations ? a.Iterations : null,
        LearningRate = a.HasLearningRate ? a.LearningRate : null,
        RegWeight = a.HasRegWeight ? a.RegWeight : null,
        GradClip = a.HasGradClip ? a.GradClip : null,
        TokenIndices = a.TokenIndices.Count == 0 ? null : a.TokenIndices.ToList(),
        TimeBudgetMs = a.HasTimeBudgetMs ? a.TimeBudgetMs : null,
        TargetReward = a.HasTargetReward ? a.TargetReward : null,
    };
}
