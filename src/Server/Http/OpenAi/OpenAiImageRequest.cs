using Server.Api;

namespace Server.Http.OpenAi;

/// <summary>
/// The body of POST /v1/images/generations as OpenAI's Images API defines it, plus <see cref="Extensions"/>: this server's
/// own generation fields (alignment, adapters, steps…) for clients that know them. Unknown fields are refused.
/// </summary>
public sealed class OpenAiImageRequest
{
    public string? Prompt { get; set; }
    public string? Model { get; set; }
    public int? N { get; set; }
    public string? Size { get; set; }
    public string? ResponseFormat { get; set; }
    public string? OutputFormat { get; set; }
    public string? Quality { get; set; }
    public string? Background { get; set; }
    public string? User { get; set; }
    public bool? Stream { get; set; }
    public int? PartialImages { get; set; }
    public OpenAiExtensions? Extensions { get; set; }
}

/// <summary>The fields of this server's own request that OpenAI's API has no name for.</summary>
public sealed class OpenAiExtensions
{
    public string? NegativePrompt { get; set; }
    public int? Steps { get; set; }
    public double? Guidance { get; set; }
    public long? Seed { get; set; }
    public List<AdapterInput>? Adapters { get; set; }
    public AlignmentInput? Alignment { get; set; }
}
