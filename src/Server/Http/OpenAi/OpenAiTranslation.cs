using System.Globalization;
using System.Text.RegularExpressions;
using Server.Api;

namespace Server.Http.OpenAi;

/// <summary>An OpenAI image request into the one request record, and this server's field names back into OpenAI's params.</summary>
public static partial class OpenAiTranslation
{
    /// <summary>The most partial images a streaming request may ask for (OpenAI's own limit).</summary>
    public const int MaxPartialImages = 3;

    /// <param name="urls">whether response_format "url" is configured (Server:OpenAi:ImageUrls)</param>
    public static GenerateInput ToInput(OpenAiImageRequest r, bool urls)
    {
        if (r.ResponseFormat is not null and not ("b64_json" or "url"))
            throw ServiceException.Invalid("response_format", $"response_format must be 'b64_json' or 'url', got '{r.ResponseFormat}'");
        if (r.ResponseFormat == "url" && !urls)
            throw ServiceException.Invalid("response_format", "response_format 'url' is not configured on this server (Server:OpenAi:ImageUrls); use 'b64_json'");
        if (r.ResponseFormat == "url" && r.Stream == true)
            throw ServiceException.Invalid("response_format", "a stream sends its images as b64_json: leave response_format out or use 'b64_json'");
        if (r.OutputFormat is not null and not "png")
            throw ServiceException.Invalid("output_format", r.OutputFormat is "jpeg" or "webp"
                ? $"output_format '{r.OutputFormat}' is not available: this server encodes PNG only; use 'png'"
                : $"output_format must be 'png', got '{r.OutputFormat}'");
        if (r.Quality is not null and not ("auto" or "standard"))
            throw ServiceException.Invalid("quality", $"quality '{r.Quality}' is not available: this server has one quality ('auto' or 'standard'); set steps in extensions instead");
        if (r.Background is not null and not ("auto" or "opaque"))
            throw ServiceException.Invalid("background", $"background '{r.Background}' is not available: images are opaque ('auto' or 'opaque')");
        if (r.PartialImages is { } partial && (partial < 0 || partial > MaxPartialImages))
            throw ServiceException.Invalid("partial_images", $"partial_images must be between 0 and {MaxPartialImages}, got {partial}");
        if (r.PartialImages is > 0 && r.Stream != true)
            throw ServiceException.Invalid("partial_images", "partial_images needs stream: true");
        (int? width, int? height) = Size(r.Size);
        OpenAiExtensions x = r.Extensions ?? new OpenAiExtensions();
        return new GenerateInput
        {
            Prompt = r.Prompt,
            Model = r.Model,
            NumImages = r.N,
            Width = width,
            Height = height,
            NegativePrompt = x.NegativePrompt,
            Steps = x.Steps,
            Guidance = x.Guidance,
            Seed = x.Seed,
            Adapters = x.Adapters,
            Alignment = x.Alignment,
            Previews = r.PartialImages,
        };
    }

    // "WxH", or "auto" (and absent) for the model's default size.
    private static (int?, int?) Size(string? size)
    {
        if (size is null or "auto") return (null, null);
        Match m = SizePattern().Match(size);
        if (!m.Success) throw ServiceException.Invalid("size", $"size must be 'WIDTHxHEIGHT' (e.g. '64x64') or 'auto', got '{size}'");
        return (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex("^([0-9]{1,5})x([0-9]{1,5})$")]
    private static partial Regex SizePattern();

    /// <summary>The OpenAI param for a field of the one request record ("width" is part of "size", "steps" of the extensions).</summary>
    public static string? Param(string? field) => field switch
    {
        null => null,
        "width" or "height" => "size",
        "num_images" => "n",
        "previews" => "partial_images",
        "prompt" or "model" or "size" or "n" or "response_format" or "output_format" or "quality" or "background" or "partial_images" => field,
        _ when field.StartsWith("extensions", StringComparison.Ordinal) => field,
        _ => $"extensions.{field}",
    };
}
