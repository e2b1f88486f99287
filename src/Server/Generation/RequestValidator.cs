using Microsoft.Extensions.Options;
using Server.Adapters;
using Server.Api;
using Server.Models;

namespace Server.Generation;

/// <summary>
/// Turns what a client sent into a <see cref="GenerationRequest"/>: fills server defaults, checks every value against the
/// model and the configured limits, and refuses the first problem naming its field.
/// </summary>
public sealed class RequestValidator(ModelCatalog catalog, AdapterCatalog adapterCatalog, IOptions<LimitsOptions> limits)
{
    public GenerationRequest Validate(GenerateInput input, string transport, string requestId)
    {
        LimitsOptions l = limits.Value;
        string prompt = input.Prompt ?? throw ServiceException.Invalid("prompt", "prompt is required");
        if (string.IsNullOrWhiteSpace(prompt)) throw ServiceException.Invalid("prompt", "prompt must not be empty");
        if (prompt.Length > l.MaxPromptLength) throw ServiceException.Invalid("prompt", $"prompt is {prompt.Length} characters; the limit is {l.MaxPromptLength}");
        if (input.NegativePrompt?.Length > l.MaxPromptLength)
            throw ServiceException.Invalid("negative_prompt", $"negative_prompt is {input.NegativePrompt.Length} characters; the limit is {l.MaxPromptLength}");

        CheckWeights(prompt, "prompt");
        if (input.NegativePrompt is not null) CheckWeights(input.NegativePrompt, "negative_prompt");

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
        string scheduler = Scheduler(input.Scheduler, served);
        int images = input.NumImages ?? input.Alignment?.TopK ?? 1; // best-of-n returns its top k
        if (images < 1 || images > l.MaxImages) throw ServiceException.Invalid("num_images", $"num_images must be between 1 and {l.MaxImages}, got {images}");
        long seed = input.Seed ?? Random.Shared.NextInt64(0, 1L << 53); // exact in every JSON client
        if (seed < 0 || seed > long.MaxValue - images) throw ServiceException.Invalid("seed", $"seed must be between 0 and {long.MaxValue - images}, got {seed}");

        var adapters = new List<AdapterChoice>();
        foreach ((AdapterInput a, int i) in (input.Adapters ?? []).Select((a, i) => (a, i)))
        {
            if (string.IsNullOrEmpty(a.Name)) throw ServiceException.Invalid($"adapters[{i}].name", "every adapter needs a name");
            double weight = a.Weight ?? 1.0;
            if (!double.IsFinite(weight) || Math.Abs(weight) > 10) throw ServiceException.Invalid($"adapters[{i}].weight", $"adapter weight must be between -10 and 10, got {weight}");
            if (adapters.Any(c => c.Name == a.Name)) throw ServiceException.Invalid($"adapters[{i}].name", $"adapter '{a.Name}' is named twice");
            CheckAdapter(modelName, a.Name, $"adapters[{i}].name");
            adapters.Add(new AdapterChoice(a.Name, weight));
        }

        AlignmentOptions alignment = Alignment(input.Alignment, l, served, images);
        int previews = input.Previews ?? 0;
        if (previews < 0 || previews > l.MaxPreviews) throw ServiceException.Invalid("previews", $"previews must be between 0 and {l.MaxPreviews}, got {previews}");
        if (previews > 0 && alignment.Method != AlignmentOptions.None)
            throw ServiceException.Invalid("previews", $"previews are available without alignment only (method 'none'), not with '{alignment.Method}'");
        return new GenerationRequest(requestId, transport, modelName, prompt, input.NegativePrompt, width, height, steps, guidance, scheduler, seed, images,
            adapters, alignment, previews);
    }

    // The adapter must be in the store and have a version this model can serve; the run leases it (and loads it if needed).
    private void CheckAdapter(string model, string name, string field)
    {
        if (adapterCatalog.Store is null) throw new ServiceException(ErrorCode.NotFound, $"adapter '{name}' is not available: this server has no adapter store", field);
        AdapterStatus? status = adapterCatalog.For(model)?.Status(name);
        if (status is null)
        {
            AdapterStatus? refused = adapterCatalog.For(model)?.List().FirstOrDefault(s => s.Version.Name == name);
            if (refused is not null) throw ServiceException.Invalid(field, $"adapter '{name}' version {refused.Version.Version} cannot be used with model {model}: {refused.Error}");
            throw new ServiceException(ErrorCode.NotFound, $"adapter '{name}' is not in the adapter store", field);
        }
    }

    // Prompts may weight words A1111-style, "(red:1.3)"; a malformed one is refused here, not on the device.
    private static void CheckWeights(string prompt, string field)
    {
        try
        {
            Align.Text.PromptWeights.Parse(prompt);
        }
        catch (ArgumentException e)
        {
            throw ServiceException.Invalid(field, $"{field}: {e.Message}");
        }
    }

    // The model's own sampler when none is named; a named one must be known and derivable from the model's scheduler config.
    private static string Scheduler(string? name, ServedModel model)
    {
        if (string.IsNullOrEmpty(name)) return model.Pipeline.DefaultScheduler;
        if (!Align.Schedulers.SchedulerChoice.Names.Contains(name))
            throw ServiceException.Invalid("scheduler", $"unknown scheduler '{name}' (one of {string.Join(", ", Align.Schedulers.SchedulerChoice.Names)})");
        try
        {
            model.Pipeline.CheckScheduler(name);
        }
        catch (Align.Models.ModelLoadException e)
        {
            throw ServiceException.Invalid("scheduler", $"scheduler '{name}' cannot run with model {model.Name}'s scheduler config: {e.Message}");
        }
        return name;
    }

    private static int Size(int? value, string field, int max, ServedModel model)
    {
        int size = value ?? model.DefaultSize, f = model.SizeMultiple;
        if (size < f || size > max || size % f != 0)
            throw ServiceException.Invalid(field, $"{field} must be a multiple of {f} between {f} and {max}, got {size}");
        return size;
    }

    private static AlignmentOptions Alignment(AlignmentInput? a, LimitsOptions l, ServedModel model, int images)
    {
        if (a is null) return AlignmentOptions.Default;
        string method = string.IsNullOrEmpty(a.Method) ? AlignmentOptions.None : a.Method;
        if (!AlignmentOptions.Methods.Contains(method))
            throw ServiceException.Invalid("alignment.method", $"unknown alignment method '{method}' (one of {string.Join(", ", AlignmentOptions.Methods)})");
        string[] allowed = method switch
        {
            "best_of_n" => ["rewards", "n", "top_k"],
            "reno" => ["rewards", "n", "iterations", "learning_rate", "reg_weight", "grad_clip", "time_budget_ms", "target_reward"],
            "attend_excite" => ["token_indices"],
            _ => [],
        };
        foreach (string given in Given(a).Where(g => !allowed.Contains(g)))
            throw ServiceException.Invalid($"alignment.{given}", $"alignment.{given} does not apply to method '{method}'");
        if (method == AlignmentOptions.None) return AlignmentOptions.Default;
        if (method == "attend_excite")
        {
            if (model.Model.IsXL) throw new ServiceException(ErrorCode.Unimplemented, "attend_excite is not available for SDXL models", "alignment.method");
            List<int>? tokens = a.TokenIndices;
            if (tokens is { Count: 0 }) throw ServiceException.Invalid("alignment.token_indices", "alignment.token_indices must not be empty (leave it out to choose the subjects automatically)");
            int max = model.Model.Text[0].Encoder.Config.MaxPositionEmbeddings - 1;
            if (tokens?.Cast<int?>().FirstOrDefault(t => t < 1 || t >= max) is int bad)
                throw ServiceException.Invalid("alignment.token_indices", $"token indices must be between 1 and {max - 1} (0 is the start token), got {bad}");
            return new AlignmentOptions(method, new Dictionary<string, double>(), TokenIndices: tokens);
        }

        IReadOnlyDictionary<string, double> rewards = Rewards(a.Rewards, model, differentiable: method == "reno");
        if (method == "best_of_n")
        {
            int n = a.N ?? 4;
            if (n < 2 || n > l.MaxCandidates) throw ServiceException.Invalid("alignment.n", $"alignment.n must be between 2 and {l.MaxCandidates}, got {n}");
            int topK = a.TopK ?? images;
            if (topK < 1 || topK > n) throw ServiceException.Invalid("alignment.top_k", $"alignment.top_k must be between 1 and n ({n}), got {topK}");
            if (topK != images) throw ServiceException.Invalid("num_images", $"best_of_n returns top_k images: num_images must equal top_k ({topK}) or be left out");
            return new AlignmentOptions(method, rewards, N: n, TopK: topK);
        }

        // reno
        if (images != 1) throw ServiceException.Invalid("num_images", "reno optimises one image per request: num_images must be 1");
        int iterations = a.Iterations ?? 50;
        if (iterations < 1 || iterations > l.MaxIterations)
            throw ServiceException.Invalid("alignment.iterations", $"alignment.iterations must be between 1 and {l.MaxIterations}, got {iterations}");
        double lr = Positive(a.LearningRate ?? 5.0, "alignment.learning_rate", 1000);
        double reg = a.RegWeight ?? 0.01;
        if (!double.IsFinite(reg) || reg < 0 || reg > 100) throw ServiceException.Invalid("alignment.reg_weight", $"alignment.reg_weight must be between 0 and 100, got {reg}");
        double clip = Positive(a.GradClip ?? 0.1, "alignment.grad_clip", 1e6);
        int? budget = a.TimeBudgetMs;
        if (budget is < 1 || budget > l.MaxTimeBudgetMs)
            throw ServiceException.Invalid("alignment.time_budget_ms", $"alignment.time_budget_ms must be between 1 and {l.MaxTimeBudgetMs}, got {budget}");
        double? target = a.TargetReward;
        if (target is double t && !double.IsFinite(t))
            throw ServiceException.Invalid("alignment.target_reward", $"alignment.target_reward must be a finite number, got {t}");
        int? start = a.N;
        if (start is < 2 || start > l.MaxCandidates)
            throw ServiceException.Invalid("alignment.n", $"alignment.n (ReNO starting from the best of n seeds) must be between 2 and {l.MaxCandidates}, got {start}");
        return new AlignmentOptions(method, rewards, N: start, Iterations: iterations, LearningRate: lr, RegWeight: reg, GradClip: clip, TimeBudgetMs: budget,
            TargetReward: target);
    }

    private static IEnumerable<string> Given(AlignmentInput a)
    {
        if (a.Rewards is not null) yield return "rewards";
        if (a.N is not null) yield return "n";
        if (a.TopK is not null) yield return "top_k";
        if (a.Iterations is not null) yield return "iterations";
        if (a.LearningRate is not null) yield return "learning_rate";
        if (a.RegWeight is not null) yield return "reg_weight";
        if (a.GradClip is not null) yield return "grad_clip";
        if (a.TokenIndices is not null) yield return "token_indices";
        if (a.TimeBudgetMs is not null) yield return "time_budget_ms";
        if (a.TargetReward is not null) yield return "target_reward";
    }

    // The request's reward weights, or the model's defaults; every name must be one of the model's rewards.
    private static IReadOnlyDictionary<string, double> Rewards(Dictionary<string, double>? requested, ServedModel model, bool differentiable)
    {
        Dictionary<string, double> weights = requested is { Count: > 0 } ? requested
            : model.Options.AlignmentRewards.Count > 0 ? model.Options.AlignmentRewards
            : model.Rewards.Where(r => r.IsDifferentiable).Take(1).ToDictionary(r => r.Name, _ => 1.0);
        if (weights.Count == 0) throw ServiceException.Invalid("alignment.rewards", $"model '{model.Name}' has no reward an alignment method could use");
        foreach ((string name, double weight) in weights)
        {
            var reward = model.Rewards.FirstOrDefault(r => r.Name == name)
                ?? throw ServiceException.Invalid($"alignment.rewards.{name}", $"unknown reward '{name}' (this model's: {string.Join(", ", model.Rewards.Select(r => r.Name))})");
            if (!double.IsFinite(weight) || weight < 0 || weight > 1000)
                throw ServiceException.Invalid($"alignment.rewards.{name}", $"reward weight must be between 0 and 1000, got {weight}");
            if (differentiable && weight > 0 && !reward.IsDifferentiable)
                throw ServiceException.Invalid($"alignment.rewards.{name}", $"reward '{name}' is not differentiable; reno needs gradients (use best_of_n for it)");
        }
        if (weights.Values.All(w => w == 0)) throw ServiceException.Invalid("alignment.rewards", "at least one reward weight must be positive");
        return weights;
    }

    private static double Positive(double value, string field, double max)
    {
        if (!double.IsFinite(value) || value <= 0 || value > max) throw ServiceException.Invalid(field, $"{field} must be positive and at most {max}, got {value}");
        return value;
    }
}
