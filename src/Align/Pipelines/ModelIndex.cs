using System.Text.Json;

namespace Align.Pipelines;

/// <summary>A diffusers <c>model_index.json</c>: the pipeline class and which library/class each component is.</summary>
public sealed record ModelIndex(string ClassName, IReadOnlyDictionary<string, (string Library, string Class)> Components, bool ForceZerosForEmptyPrompt)
{
    public static readonly string[] SupportedPipelines = ["StableDiffusionPipeline", "StableDiffusionXLPipeline"];

    public bool IsXL => ClassName == "StableDiffusionXLPipeline";

    public static ModelIndex Load(string directory)
    {
        string path = Path.Combine(directory, "model_index.json");
        if (!File.Exists(path)) throw new Models.ModelLoadException($"{directory}: missing model_index.json (not a diffusers pipeline directory)");
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            JsonElement root = doc.RootElement;
            string cls = root.TryGetProperty("_class_name", out JsonElement c) ? c.GetString() ?? "" : "";
            if (!SupportedPipelines.Contains(cls))
                throw new Models.ModelLoadException($"{path}: pipeline class '{cls}' is not supported (supported: {string.Join(", ", SupportedPipelines)})");
            var components = new Dictionary<string, (string, string)>();
            foreach (JsonProperty p in root.EnumerateObject())
            {
                if (p.Name.StartsWith('_') || p.Value.ValueKind != JsonValueKind.Array || p.Value.GetArrayLength() != 2) continue;
                string? lib = p.Value[0].GetString(), type = p.Value[1].GetString();
                if (lib is not null && type is not null) components[p.Name] = (lib, type);
            }
            bool zeros = root.TryGetProperty("force_zeros_for_empty_prompt", out JsonElement z) && z.ValueKind == JsonValueKind.True;
            return new ModelIndex(cls, components, zeros);
        }
        catch (JsonException e)
        {
            throw new Models.ModelLoadException($"{path}: {e.Message}");
        }
    }
}
