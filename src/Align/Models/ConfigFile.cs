using System.Text.Json;
using System.Text.Json.Serialization;

namespace Align.Models;

/// <summary>Reads a Hugging Face <c>config.json</c> (snake_case keys) into a config record; errors name the file.</summary>
public static class ConfigFile
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    /// <summary>A config nested in another file (e.g. CLIPModel's <c>text_config</c>).</summary>
    public static T Parse<T>(JsonElement element, string path)
    {
        try
        {
            return element.Deserialize<T>(Options) ?? throw new ModelLoadException($"{path}: empty config");
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"{path}: {e.Message}");
        }
    }

    public static T Read<T>(string path)
    {
        if (!File.Exists(path)) throw new ModelLoadException($"{path}: file not found");
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options)
                   ?? throw new ModelLoadException($"{path}: empty config");
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"{path}: {e.Message}");
        }
    }
}

/// <summary>A model directory or file that cannot be loaded: the message names the file and every problem found.</summary>
public sealed class ModelLoadException(string message) : Exception(message);
