using System.Text.Json.Serialization;

namespace Align.Models.Clip;

/// <summary>transformers' <c>CLIPVisionConfig</c>: the fields the vision tower reads.</summary>
public sealed record ClipVisionConfig
{
    public int HiddenSize { get; init; } = 768;
    public int IntermediateSize { get; init; } = 3072;
    public int ProjectionDim { get; init; } = 512;
    public int NumHiddenLayers { get; init; } = 12;
    public int NumAttentionHeads { get; init; } = 12;
    public int NumChannels { get; init; } = 3;
    public int ImageSize { get; init; } = 224;
    public int PatchSize { get; init; } = 32;
    public string HiddenAct { get; init; } = "quick_gelu";
    public double LayerNormEps { get; init; } = 1e-5;

    [JsonIgnore]
    public string Source { get; init; } = "config";

    [JsonIgnore]
    public int NumPositions => (ImageSize / PatchSize) * (ImageSize / PatchSize) + 1;
}
