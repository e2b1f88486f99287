using System.Text.Json;
using System.Text.Json.Nodes;

namespace Align.Schedulers;

/// <summary>
/// The samplers a request may choose in place of the model's own scheduler, built as diffusers swaps one in:
/// <c>NewClass.from_config(pipe.scheduler.config, **overrides)</c>. The model's config carries over (training betas,
/// prediction type, timestep spacing and offset), keys the new class does not read are ignored, and the choice's
/// overrides apply last.
/// </summary>
public static class SchedulerChoice
{
    // diffusers' DDIM and LCM configs default clip_sample to True, clipping the predicted x₀ to [−1, 1] as for pixels;
    // latents reach beyond that, so a switch from another class turns it off. DDIM also takes Stable Diffusion's (and
    // CompVis') last step, to ᾱ at timestep 0 rather than 1, as SD's own DDIM configs do (set_alpha_to_one false).
    private static readonly Dictionary<string, bool> NoClipping = new() { ["clip_sample"] = false };
    private static readonly Dictionary<string, bool> StableDiffusionDdim = new() { ["clip_sample"] = false, ["set_alpha_to_one"] = false };

    private sealed record Choice(string ClassName, IReadOnlyDictionary<string, bool> Overrides, IReadOnlyDictionary<string, bool> WhenSwitching);

    private static readonly Dictionary<string, bool> Plain = new() { ["use_karras_sigmas"] = false };
    private static readonly Dictionary<string, bool> Karras = new() { ["use_karras_sigmas"] = true };
    private static readonly Dictionary<string, bool> Nothing = new();

    private static readonly (string Name, Choice Choice)[] Ordered =
    [
        ("euler", new("EulerDiscreteScheduler", Plain, Nothing)),
        ("euler_karras", new("EulerDiscreteScheduler", Karras, Nothing)),
        ("ddim", new("DDIMScheduler", Nothing, StableDiffusionDdim)),
        ("lcm", new("LCMScheduler", Nothing, NoClipping)),
        ("dpmpp_2m", new("DPMSolverMultistepScheduler", Plain, Nothing)),
        ("dpmpp_2m_karras", new("DPMSolverMultistepScheduler", Karras, Nothing)),
    ];

    private static readonly Dictionary<string, Choice> Choices = Ordered.ToDictionary(c => c.Name, c => c.Choice, StringComparer.Ordinal);

    /// <summary>The names a request may give.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Ordered.Select(c => c.Name)];

    /// <summary>The name of the sampler a model's own config describes (its class, and Karras sigmas for Euler and DPM-Solver).</summary>
    public static string Of(string className, JsonElement config)
    {
        bool karras = config.TryGetProperty("use_karras_sigmas", out JsonElement k) && k.ValueKind == JsonValueKind.True;
        return className switch
        {
            "EulerDiscreteScheduler" => karras ? "euler_karras" : "euler",
            "DDIMScheduler" => "ddim",
            "LCMScheduler" => "lcm",
            "DPMSolverMultistepScheduler" => karras ? "dpmpp_2m_karras" : "dpmpp_2m",
            _ => throw new ArgumentException($"no sampler name for scheduler class '{className}'", nameof(className)),
        };
    }

    /// <summary>The class and config of sampler <paramref name="name"/> derived from the model's scheduler config.</summary>
    /// <exception cref="ArgumentException">an unknown name (the parameter named is "scheduler")</exception>
    public static (string ClassName, JsonElement Config) Configure(string name, string modelClass, JsonElement modelConfig)
    {
        if (!Choices.TryGetValue(name, out Choice? choice))
            throw new ArgumentException($"unknown scheduler '{name}' (one of {string.Join(", ", Names)})", "scheduler");
        JsonObject config = JsonNode.Parse(modelConfig.GetRawText())?.AsObject() ?? throw new ArgumentException("the model's scheduler config is not a JSON object");
        config["_class_name"] = choice.ClassName;
        IEnumerable<KeyValuePair<string, bool>> overrides = choice.ClassName == modelClass ? choice.Overrides : choice.Overrides.Concat(choice.WhenSwitching);
        foreach ((string key, bool value) in overrides) config[key] = value;
        return (choice.ClassName, JsonSerializer.SerializeToElement(config));
    }
}
