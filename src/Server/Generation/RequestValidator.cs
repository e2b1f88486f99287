using Microsoft.Extensions.Options;
using Server.Api;
using Server.Models;

namespace Server.Generation;

/// <summary>
/// Turns what a client sent into a <see cref="GenerationRequest"/>: fills server defaults, checks every value against the
/// model and the configured limits, and refuses the first problem naming its field.
/// </summary>
public sealed class RequestValidator(ModelCatalog catalog, IOptions<LimitsOptions> limits)
{
    public GenerationRequest Validate(GenerateInput input, string transport, string requestId)
    {
        LimitsOptions l = limits.Value;
        string prompt = input.Prompt ?? throw ServiceException.Invalid("prompt", "prompt is required");
        if (string.IsNullOrWhiteSpace(prompt)) throw ServiceException.Invalid("prompt", "prompt must not be empty");
        if (prompt.Length > l.MaxPromptLength) throw ServiceException.Invalid("prompt", $"prompt is {prompt.Length} characters; the limit is {l.MaxPromptLength}");
        if (input.NegativePrompt?.Length > l.MaxPromptLength)
            throw ServiceException.Invalid("negative_prompt", $"negative_prompt is {input.NegativePrompt.Length} characters; the limit is {l.MaxPromptLength}");

        string modelName = string.IsNullOrEmpty(input.Model) ? catalog.DefaultModel : input.Model;
        ModelOptions model = catalog.Find(modelName)
            ?? throw new ServiceException(ErrorCode.NotFound, $"model '{modelName}' is not served here (models: {string.Join(", ", catalog.Configured.Select(m => m.Name))})", "model");
        ServedModel served = catalog.Get(modelName) ?? throw new ServiceException(ErrorCode.Unavailable, $"model '{modelName}' is still loading");

        int width = Size(input.Width, "width", l.MaxWidth, served), height = Size(input.Height, "height", l.MaxHeight, served);
        int steps = input.Steps ?? model.DefaultSteps;
        if (steps < 1 || steps > l.MaxSteps) throw ServiceException.Invalid("steps", $"steps must be between 1 and {l.MaxSteps}, got {steps}");
        double guidance = input.Guidance ?? model.DefaultGuidance;
        if (!double.IsFinite(guidance) || guidance < 0 || guidance > l.MaxGuidance)
            throw ServiceException.Invalid("guidance", $"guidance must be between 0 and {l.MaxGuidance}, got {guidance}");
        int images = input.NumImages ?? 1;
        if (images < 1 || images > l.MaxImages) throw ServiceException.Invalid("num_images", $"num_images must be between 1 and {l.MaxImages}, got {images}");
        long seed = input.Seed ?? Random.Shared.NextInt64(0, 1L << 53); // exact in every JSON client
        if (seed < 0 || seed > long.MaxValue - images) throw ServiceException.Invalid("seed", $"seed must be between 0 and {long.MaxValue - images}, got {seed}");

        var adapters = new List<AdapterChoice>();
        foreach ((AdapterInput a, int i) in (input.Adapters ?? []).Select((a, i) => (a, i)))
        {
            if (string.IsNullOrEmpty(a.Name)) throw ServiceException.Invalid($"adapters[{i}].name", "every adapter needs a name");
            double weight = a.Weight ?? 1.0;
            if (!double.IsFinite(weight) || Math.Abs(weight) > 10) throw ServiceException.Invalid($"adapters[{i}].weight", $"adapter weight must be between -10 and 10, got {weight}");
            throw new ServiceException(ErrorCode.NotFound, $"adapter '{a.Name}' is not loaded on this server", $"adapters[{i}].name");
        }

        AlignmentOptions alignment = Alignment(input.Alignment, l);
        return new GenerationRequest(requestId, transport, modelName, prompt, input.NegativePrompt, width, height, steps, guidance, seed, images,
            adapters, alignment);
    }

    private static int Size(int? value, string field, int max, ServedModel model)
    {
        int size = value ?? model.DefaultSize, f = model.SizeMultiple;
        if (size < f || size > max || size % f != 0)
            throw ServiceException.Invalid(field, $"{field} must be a multiple of {f} between {f} and {max}, got {size}");
        return size;
    }

    private static AlignmentOptions Alignment(AlignmentInput? a, LimitsOptions l)
    {
        if (a is null) return AlignmentOptions.Default;
        string method = string.IsNullOrEmpty(a.Method) ? AlignmentOptions.None : a.Method;
        if (!AlignmentOptions.Methods.Contains(method))
            throw ServiceException.Invalid("alignment.method", $"unknown alignment method '{method}' (one of {string.Join(", ", AlignmentOptions.Methods)})");
        if (method != AlignmentOptions.None)
            throw new ServiceException(ErrorCode.Unimplemented, $"alignment method '{method}' is not available on this server yet; use 'none'", "alignment.method");
        string? extra = (a.Rewards is { Count: > 0 } ? "rewards" : null) ?? (a.N is not null ? "n" : null) ?? (a.TopK is not null ? "top_k" : null)
            ?? (a.Iterations is not null ? "iterations" : null) ?? (a.LearningRate is not null ? "learning_rate" : null)
            ?? (a.RegWeight is not null ? "reg_weight" : null) ?? (a.GradClip is not null ? "grad_clip" : null)
            ?? (a.TokenIndices is not null ? "token_indices" : null) ?? (a.TimeBudgetMs is not null ? "time_budget_ms" : null);
        if (extra is not null) throw ServiceException.Invalid($"alignment.{extra}", $"alignment.{extra} does not apply to method 'none'");
        return AlignmentOptions.Default;
    }
}
