using System.Text.Json;
using Server.Api;
using Server.Models;

namespace Server.Http.Automatic1111;

/// <summary>A txt2img request into the one request record, and this server's field names back into A1111's.</summary>
public static class Automatic1111Translation
{
    public static GenerateInput ToInput(Txt2ImgRequest r, ModelCatalog catalog)
    {
        if (r.EnableHr == true) throw ServiceException.Invalid("enable_hr", "enable_hr (hires fix) is not available on this server");
        if (r.RestoreFaces == true) throw ServiceException.Invalid("restore_faces", "restore_faces is not available on this server");
        if (r.Tiling == true) throw ServiceException.Invalid("tiling", "tiling is not available on this server");
        int batch = r.BatchSize ?? 1, iterations = r.NIter ?? 1;
        if (batch < 1) throw ServiceException.Invalid("batch_size", $"batch_size must be at least 1, got {batch}");
        if (iterations < 1) throw ServiceException.Invalid("n_iter", $"n_iter must be at least 1, got {iterations}");
        string? model = Model(r.OverrideSettings);
        string? scheduler = catalog.Get(model ?? catalog.DefaultModel) is { } served // no model: the request path refuses it, naming the model
            ? Automatic1111Samplers.Choose(r.SamplerName ?? r.SamplerIndex, r.SamplerName is null && r.SamplerIndex is not null ? "sampler_index" : "sampler_name",
                r.Scheduler, served.Pipeline.DefaultScheduler)
            : null;
        (string? prompt, List<AdapterInput> adapters) = r.Prompt is null ? (null, []) : LoraTags.Extract(r.Prompt);
        return new GenerateInput
        {
            Prompt = prompt,
            NegativePrompt = string.IsNullOrEmpty(r.NegativePrompt) ? null : r.NegativePrompt,
            Model = model,
            Seed = r.Seed is null or -1 ? null : r.Seed,
            Steps = r.Steps,
            Guidance = r.CfgScale,
            Scheduler = scheduler,
            Width = r.Width,
            Height = r.Height,
            NumImages = batch * iterations,
            Adapters = adapters.Count > 0 ? adapters : null,
        };
    }

    /// <summary>The A1111 field (its location in the body) for a field of the one request record.</summary>
    public static string[] Location(string field) => field switch
    {
        "guidance" => ["cfg_scale"],
        "num_images" => ["batch_size"],
        "model" => ["override_settings", "sd_model_checkpoint"],
        "body" => [], // the body as a whole: FastAPI's loc is ["body"]
        _ when field.StartsWith("adapters", StringComparison.Ordinal) => ["prompt"], // adapters come from the prompt's LoRA tags
        _ => field.Split('.'),
    };

    private static string? Model(Dictionary<string, JsonElement>? settings)
    {
        if (settings is null || !settings.TryGetValue("sd_model_checkpoint", out JsonElement value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.String) throw ServiceException.Invalid("override_settings.sd_model_checkpoint", "sd_model_checkpoint must be a string");
        return value.GetString();
    }
}
