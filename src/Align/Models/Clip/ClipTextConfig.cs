using System.Text.Json;
using System.Text.Json.Serialization;

namespace Align.Models.Clip;

/// <summary>transformers' <c>CLIPTextConfig</c>: the fields the text tower reads from <c>config.json</c>.</summary>
public sealed record ClipTextConfig
{
    public int VocabSize { get; init; } = 49408;
    public int HiddenSize { get; init; } = 512;
    public int IntermediateSize { get; init; } = 2048;
    public int ProjectionDim { get; init; } = 512;
    public int NumHiddenLayers { get; init; } = 12;
    public int NumAttentionHeads { get; init; } = 8;
    public int MaxPositionEmbeddings { get; init; } = 77;
    public string HiddenAct { get; init; } = "quick_gelu";
    public double LayerNormEps { get; init; } = 1e-5;
    public int EosTokenId { get; init; } = 2;
    public string[]? Architectures { get; init; }

    /// <summary>Where the config was read from (for error messages).</summary>
    [JsonIgnore]
    public string Source { get; init; } = "config";

    /// <summary>Reads a CLIPTextConfig, or the <c>text_config</c> of a whole CLIPModel's config, as transformers'
    /// <c>CLIPTextConfig.from_pretrained</c> does.</summary>
    public static ClipTextConfig Load(string path)
    {
        JsonElement root = ConfigFile.Read<JsonElement>(path);
        JsonElement text = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("text_config", out JsonElement nested) ? nested : root;
        ClipTextConfig c = ConfigFile.Parse<ClipTextConfig>(text, path) with { Source = path };
        if (c.HiddenSize % c.NumAttentionHeads != 0)
            throw new ModelLoadException($"{path}: hidden_size {c.HiddenSize} is not divisible by num_attention_heads {c.NumAttentionHeads}");
        return c;
    }
}
