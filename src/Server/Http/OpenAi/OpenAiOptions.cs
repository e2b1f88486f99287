namespace Server.Http.OpenAi;

/// <summary>The OpenAI-compatible route's settings, bound from "Server:OpenAi".</summary>
public sealed class OpenAiOptions
{
    public const string Section = "Server:OpenAi";

    /// <summary>
    /// Allows response_format "url": the images are kept in memory for <see cref="ImageUrlTtlSeconds"/> and served at
    /// GET /v1/images/files/{id}.png, a link anyone holding it can fetch without the API key (as OpenAI's are).
    /// </summary>
    public bool ImageUrls { get; set; }

    public int ImageUrlTtlSeconds { get; set; } = 600;

    /// <summary>The most images kept for URLs; the oldest go first.</summary>
    public int MaxStoredImages { get; set; } = 256;

    /// <summary>Scheme, host and port the links start with (behind a proxy); default: those of the request.</summary>
    public string? PublicBaseUrl { get; set; }
}
