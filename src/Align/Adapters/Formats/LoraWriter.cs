using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Torch;

namespace Align.Adapters.Formats;

/// <summary>
/// Writes an adapter as a PEFT/diffusers directory: <c>adapter_model.safetensors</c> with the keys diffusers'
/// <c>save_lora_weights</c> writes (<c>unet.PATH.lora_A.weight</c>, <c>text_encoder.PATH.lora_B.weight</c>, …), its header
/// holding the adapter's metadata plus diffusers' <c>lora_adapter_metadata</c> (each component's LoRA config as
/// <c>unet.r</c>, <c>unet.lora_alpha</c>, …); and <c>adapter_config.json</c>, a PEFT <c>LoraConfig</c> (rank and alpha most
/// layers share, the others in <c>rank_pattern</c>/<c>alpha_pattern</c> as escaped layer paths, <c>target_modules</c> the
/// layer paths as diffusers lists them) with the metadata again under <c>adapter_metadata</c>.
/// </summary>
internal static class LoraWriter
{
    public static void Save(LoraAdapter adapter, string directory)
    {
        if (adapter.IsDisposed) throw new ObjectDisposedException(nameof(LoraAdapter), $"adapter '{adapter.Name}' is disposed");
        if (adapter.Layers.Count == 0) throw new ArgumentException($"adapter '{adapter.Name}' has no layers to write", nameof(adapter));
        if (adapter.Layers.Values.Select(l => l.RankStabilized).Distinct().Count() > 1)
            throw new ArgumentException($"adapter '{adapter.Name}' mixes rsLoRA and plain layers, which a LoRA config cannot describe", nameof(adapter));
        Directory.CreateDirectory(directory);

        var byComponent = adapter.Layers.GroupBy(l => AdapterKeys.Split(l.Key).Component)
            .ToDictionary(g => g.Key, g => g.Select(l => (Path: AdapterKeys.Split(l.Key).Path, Layer: l.Value)).OrderBy(l => l.Path, StringComparer.Ordinal).ToList());
        var all = byComponent.Values.SelectMany(l => l).ToList();

        var diffusersMetadata = new Dictionary<string, object?>();
        foreach ((string component, var layers) in byComponent.OrderBy(c => c.Key, StringComparer.Ordinal))
            foreach ((string field, object? value) in ConfigFields(layers))
                diffusersMetadata[$"{component}.{field}"] = value;

        var header = new Dictionary<string, string>(adapter.Metadata, StringComparer.Ordinal)
        {
            ["format"] = "pt",
            [PeftAdapterConfig.DiffusersMetadataKey] = JsonSerializer.Serialize(diffusersMetadata),
        };

        var config = new Dictionary<string, object?> { ["peft_type"] = "LORA", ["task_type"] = null };
        foreach ((string field, object? value) in ConfigFields(all)) config[field] = value;
        config["base_model_name_or_path"] = adapter.Metadata.GetValueOrDefault(AdapterMetadata.BaseModel);
        config[PeftAdapterConfig.AdapterMetadataField] = new SortedDictionary<string, string>(adapter.Metadata, StringComparer.Ordinal);
        string json = JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true });
        File.WriteAllText(Path.Combine(directory, AdapterSource.ConfigFile), json + "\n", new UTF8Encoding(false));

        using var scope = torch.NewDisposeScope();
        Safetensors.Save(Path.Combine(directory, AdapterSource.PeftWeightsFile), adapter.StateDict(), header);
    }

    /// <summary>A LoraConfig's fields for some layers: the shared rank and alpha, the exceptions as patterns.</summary>
    private static IEnumerable<(string Field, object? Value)> ConfigFields(List<(string Path, LoraLayer Layer)> layers)
    {
        int rank = MostCommon(layers.Select(l => l.Layer.Rank));
        double alpha = MostCommon(layers.Select(l => l.Layer.Alpha));
        yield return ("r", rank);
        yield return ("lora_alpha", alpha);
        yield return ("target_modules", layers.Select(l => l.Path).Distinct().ToList());
        yield return ("rank_pattern", Exceptions(layers, l => l.Rank, rank));
        yield return ("alpha_pattern", Exceptions(layers, l => l.Alpha, alpha));
        yield return ("lora_dropout", MostCommon(layers.Select(l => l.Layer.Dropout)));
        yield return ("use_rslora", layers[0].Layer.RankStabilized);
        yield return ("use_dora", false);
        yield return ("bias", "none");
        yield return ("fan_in_fan_out", false);
        yield return ("init_lora_weights", true);
    }

    private static SortedDictionary<string, T> Exceptions<T>(List<(string Path, LoraLayer Layer)> layers, Func<LoraLayer, T> value, T common)
        where T : IEquatable<T>
    {
        var patterns = new SortedDictionary<string, T>(StringComparer.Ordinal);
        foreach ((string path, LoraLayer layer) in layers)
            if (!value(layer).Equals(common)) patterns.TryAdd(Regex.Escape(path), value(layer));
        return patterns;
    }

    private static T MostCommon<T>(IEnumerable<T> values) where T : notnull =>
        values.GroupBy(v => v).OrderByDescending(g => g.Count()).First().Key;
}
