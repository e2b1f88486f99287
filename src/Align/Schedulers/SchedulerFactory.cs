using System.Text.Json;
using Align.Models;

namespace Align.Schedulers;

/// <summary>Builds the scheduler a diffusers <c>scheduler_config.json</c> names in <c>_class_name</c>.</summary>
public static class SchedulerFactory
{
    public const string ConfigFileName = "scheduler_config.json";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        ReadCommentHandling = JsonCommentHandling.Skip,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly Dictionary<string, Func<string, JsonElement, IScheduler>> Classes = new(StringComparer.Ordinal)
    {
        ["EulerDiscreteScheduler"] = (path, json) => new EulerDiscreteScheduler(Read<EulerDiscreteConfig>(path, json)),
        ["DDIMScheduler"] = (path, json) => new DdimScheduler(Read<DdimConfig>(path, json)),
        ["LCMScheduler"] = (path, json) => new LcmScheduler(Read<LcmConfig>(path, json)),
        ["DPMSolverMultistepScheduler"] = (path, json) => new DpmSolverMultistepScheduler(Read<DpmSolverMultistepConfig>(path, json)),
    };

    public static IReadOnlyCollection<string> SupportedClasses => Classes.Keys;

    /// <summary>Reads <paramref name="path"/>: a <c>scheduler_config.json</c>, or a folder holding one (a pipeline's <c>scheduler/</c>).</summary>
    public static IScheduler FromConfig(string path)
    {
        (string className, JsonElement config, string file) = ReadConfig(path);
        return Create(className, config, file);
    }

    /// <summary>
    /// The diffusers class a <c>scheduler_config.json</c> (or a folder holding one) names, its config object, and the file
    /// read; refuses a missing file, invalid JSON and a config without <c>_class_name</c>.
    /// </summary>
    public static (string ClassName, JsonElement Config, string File) ReadConfig(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, ConfigFileName);
        if (!File.Exists(path)) throw new ModelLoadException($"{path}: file not found");
        JsonElement root;
        try
        {
            root = SchedulerConfigJson.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"{path}: not valid JSON: {e.Message}");
        }
        if (root.ValueKind != JsonValueKind.Object) throw new ModelLoadException($"{path}: expected a JSON object");
        if (!root.TryGetProperty("_class_name", out JsonElement name) || name.ValueKind != JsonValueKind.String)
            throw new ModelLoadException($"{path}: no _class_name saying which scheduler to build");
        return (name.GetString()!, root, path);
    }

    /// <summary>The scheduler of diffusers class <paramref name="className"/> from its config object; <paramref name="source"/> names it in errors.</summary>
    public static IScheduler Create(string className, JsonElement config, string source)
    {
        if (!Classes.TryGetValue(className, out var create))
            throw new ModelLoadException($"{source}: _class_name '{className}' is not supported (supported: {string.Join(", ", Classes.Keys)})");
        return create(source, config);
    }

    private static T Read<T>(string path, JsonElement json) where T : SchedulerConfig
    {
        try
        {
            T config = json.Deserialize<T>(Options) ?? throw new ModelLoadException($"{path}: empty config");
            return config with { Source = path };
        }
        catch (JsonException e)
        {
            string key = e.Path is { Length: > 2 } p && p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : e.Path ?? "?";
            throw new ModelLoadException($"{path}: {key}: {e.Message}");
        }
    }
}
