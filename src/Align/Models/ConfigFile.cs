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

    /// <summary>Writes a config as Hugging Face does (snake_case, indented), with <paramref name="extra"/> keys such as <c>_class_name</c> first.</summary>
    public static void Write<T>(string path, T config, IReadOnlyDictionary<string, object>? extra = null)
    {
        var node = JsonSerializer.SerializeToNode(config, Options)!.AsObject();
        var output = new System.Text.Json.Nodes.JsonObject();
        foreach ((string key, object value) in extra ?? new Dictionary<string, object>())
            output[key] = JsonSerializer.SerializeToNode(value, Options);
        foreach ((string key, var value) in node.ToList())
        {
            node.Remove(key);
            output[key] = value;
        }
        File.WriteAllText(path, output.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
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
