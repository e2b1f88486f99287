using System.Text.Json;
using System.Text.RegularExpressions;

namespace Align.Adapters.Formats;

/// <summary>
/// The fields of PEFT's <c>LoraConfig</c> that decide how tensors become an adapter: default rank and alpha, per-layer
/// <c>rank_pattern</c>/<c>alpha_pattern</c> (regexes matched as PEFT does, against the end of a layer path at a dot
/// boundary), rsLoRA and dropout. Read from <c>adapter_config.json</c> or from diffusers' <c>lora_adapter_metadata</c>
/// header entry (the same fields per component, as <c>unet.lora_alpha</c>).
/// </summary>
internal sealed record PeftAdapterConfig
{
    public const string DiffusersMetadataKey = "lora_adapter_metadata";
    public const string AdapterMetadataField = "adapter_metadata";

    public int? Rank { get; init; }
    public double? Alpha { get; init; }
    public IReadOnlyList<KeyValuePair<string, double>> AlphaPattern { get; init; } = [];
    public IReadOnlyList<KeyValuePair<string, int>> RankPattern { get; init; } = [];
    public bool RankStabilized { get; init; }
    public double Dropout { get; init; }
    public IReadOnlyList<string> TargetModules { get; init; } = [];

    /// <summary>Our metadata copy in <c>adapter_config.json</c> (the header holds the same).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    public static PeftAdapterConfig Read(string path)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            return FromJson(doc.RootElement, path);
        }
        catch (JsonException e)
        {
            throw new AdapterLoadException($"{path}: not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>Component (<c>unet</c>, …; "" for unprefixed fields) → its config, from diffusers' metadata JSON.</summary>
    public static Dictionary<string, PeftAdapterConfig> FromDiffusersMetadata(string json, string source)
    {
        var byComponent = new Dictionary<string, Dictionary<string, JsonElement>>(StringComparer.Ordinal);
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new AdapterLoadException($"{source}: {DiffusersMetadataKey} is not a JSON object");
            foreach (JsonProperty p in doc.RootElement.EnumerateObject())
            {
                int dot = p.Name.IndexOf('.');
                string component = dot > 0 ? p.Name[..dot] : "";
                string field = dot > 0 ? p.Name[(dot + 1)..] : p.Name;
                if (!byComponent.TryGetValue(component, out var fields)) byComponent[component] = fields = new(StringComparer.Ordinal);
                fields[field] = p.Value.Clone();
            }
        }
        catch (JsonException e)
        {
            throw new AdapterLoadException($"{source}: {DiffusersMetadataKey} is not valid JSON: {e.Message}", e);
        }
        return byComponent.ToDictionary(c => c.Key, c => FromFields(c.Value, $"{source} ({DiffusersMetadataKey}, {c.Key})"), StringComparer.Ordinal);
    }

    public static PeftAdapterConfig FromJson(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new AdapterLoadException($"{source}: the adapter config is not a JSON object");
        return FromFields(root.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal), source);
    }

    private static PeftAdapterConfig FromFields(Dictionary<string, JsonElement> f, string source)
    {
        try
        {
            if (f.TryGetValue("peft_type", out JsonElement type) && type.ValueKind == JsonValueKind.String && type.GetString() != "LORA")
                throw new AdapterLoadException($"{source}: peft_type '{type.GetString()}' is not supported (only LORA)");
            if (f.TryGetValue("use_dora", out JsonElement dora) && dora.ValueKind == JsonValueKind.True)
                throw new AdapterLoadException($"{source}: DoRA adapters (use_dora) are not supported");
            return new PeftAdapterConfig
            {
                Rank = Number(f, "r") is double r ? (int)r : null,
                Alpha = Number(f, "lora_alpha"),
                AlphaPattern = Pattern(f, "alpha_pattern", e => e.GetDouble()),
                RankPattern = Pattern(f, "rank_pattern", e => e.GetInt32()),
                RankStabilized = f.TryGetValue("use_rslora", out JsonElement rs) && rs.ValueKind == JsonValueKind.True,
                Dropout = Number(f, "lora_dropout") ?? 0,
                TargetModules = f.TryGetValue("target_modules", out JsonElement t) ? Targets(t) : [],
                Metadata = f.TryGetValue(AdapterMetadataField, out JsonElement m) && m.ValueKind == JsonValueKind.Object
                    ? m.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText())
                    : new Dictionary<string, string>(),
            };
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new AdapterLoadException($"{source}: a LoRA config field has the wrong type: {e.Message}", e);
        }
    }

    private static double? Number(Dictionary<string, JsonElement> f, string name) =>
        f.TryGetValue(name, out JsonElement e) && e.ValueKind == JsonValueKind.Number ? e.GetDouble() : null;

    private static List<KeyValuePair<string, T>> Pattern<T>(Dictionary<string, JsonElement> f, string name, Func<JsonElement, T> value) =>
        f.TryGetValue(name, out JsonElement e) && e.ValueKind == JsonValueKind.Object
            ? e.EnumerateObject().Select(p => new KeyValuePair<string, T>(p.Name, value(p.Value))).ToList()
            : [];

    private static string[] Targets(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => [e.GetString()!],
        JsonValueKind.Array => e.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToArray(),
        _ => [],
    };

    /// <summary>The alpha for a layer: the first matching <c>alpha_pattern</c> entry, else <c>lora_alpha</c>, else null.</summary>
    /// <param name="names">the layer's path inside its component, and its full key</param>
    public double? AlphaFor(params string[] names)
    {
        foreach ((string pattern, double alpha) in AlphaPattern)
            if (names.Any(n => PatternMatches(pattern, n))) return alpha;
        return Alpha;
    }

    /// <summary>PEFT's <c>get_pattern_key</c> test: the pattern matches the whole name or its end after a dot.</summary>
    public static bool PatternMatches(string pattern, string name)
    {
        try
        {
            return Regex.IsMatch(name, $"(^|.*\\.)(?:{pattern})$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200));
        }
        catch (ArgumentException e)
        {
            throw new AdapterLoadException($"alpha/rank pattern '{pattern}' is not a valid regular expression: {e.Message}", e);
        }
    }
}
