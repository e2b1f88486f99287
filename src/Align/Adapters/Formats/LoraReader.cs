using Torch;
using Torch.NN;

namespace Align.Adapters.Formats;

/// <summary>
/// Reads an adapter file (PEFT, diffusers or kohya; see <see cref="ModelAdapters.Load"/>) against a model: every key is
/// placed on a layer of the model and every pair checked against that layer's shape from the header alone, and any
/// problem refuses the whole file, naming the keys, before a tensor is read. Alpha comes from the layer's
/// <c>.alpha</c> tensor, else diffusers' <c>lora_adapter_metadata</c> header entry, else <c>adapter_config.json</c>,
/// else alpha = rank.
/// </summary>
internal static class LoraReader
{
    private sealed class PairKeys
    {
        public string? Down, Up, Alpha;
    }

    // Header entries the writer derives from the adapter itself; every other entry is the adapter's metadata.
    private static readonly string[] DerivedMetadata = ["format", PeftAdapterConfig.DiffusersMetadataKey];

    public static LoraAdapter Read(string path, ModelAdapters model, string? name)
    {
        AdapterSource source = AdapterSource.Locate(path);
        string adapter = name ?? source.DefaultName;
        PeftAdapterConfig? fileConfig = source.ConfigPath is null ? null : PeftAdapterConfig.Read(source.ConfigPath);
        SafetensorsFile file;
        try
        {
            file = Safetensors.Open(source.WeightsPath);
        }
        catch (SafetensorsException e)
        {
            throw new AdapterLoadException($"adapter '{adapter}': {e.Message}", e);
        }
        using (file)
        {
            Dictionary<string, PairKeys> pairs = PlaceKeys(file, model, adapter);
            if (pairs.Count == 0) throw new AdapterLoadException($"adapter '{adapter}' ({source.WeightsPath}) holds no LoRA tensors");
            Dictionary<string, PeftAdapterConfig> headerConfigs = file.Metadata.TryGetValue(PeftAdapterConfig.DiffusersMetadataKey, out string? json)
                ? PeftAdapterConfig.FromDiffusersMetadata(json, source.WeightsPath) : [];

            var layers = new List<KeyValuePair<string, LoraLayer>>();
            try
            {
                foreach ((string layer, PairKeys keys) in pairs.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    string component = AdapterKeys.Split(layer).Component;
                    PeftAdapterConfig?[] configs = [headerConfigs.GetValueOrDefault(component), headerConfigs.GetValueOrDefault(""), fileConfig];
                    layers.Add(new(layer, LoadLayer(file, keys, model.FindLayer(layer)!, layer, configs)));
                }
                var metadata = new Dictionary<string, string>(fileConfig?.Metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal);
                foreach ((string key, string value) in file.Metadata)
                    if (!DerivedMetadata.Contains(key)) metadata[key] = value;
                return new LoraAdapter(adapter, layers, metadata);
            }
            catch
            {
                foreach (var (_, layer) in layers) layer.Dispose();
                throw;
            }
        }
    }

    /// <summary>Groups the file's keys by target layer; refuses the file if any key cannot be placed or any pair does not fit.</summary>
    private static Dictionary<string, PairKeys> PlaceKeys(SafetensorsFile file, ModelAdapters model, string adapter)
    {
        bool kohya = KohyaKeys.Applies(file.Names);
        var pairs = new Dictionary<string, PairKeys>(StringComparer.Ordinal);
        var problems = new List<(string Key, string Problem)>();
        foreach (string key in file.Names.Order(StringComparer.Ordinal))
        {
            LoraKey? parsed = kohya ? KohyaKeys.Parse(key, model) : DiffusersKeys.Parse(key, model);
            if (parsed is not { } k)
            {
                problems.Add((key, kohya
                    ? "not a LoRA tensor of the kohya format (lora_unet_/lora_te*_ NAME.lora_down.weight, .lora_up.weight or .alpha)"
                    : "not a LoRA tensor (….lora_A.weight, .lora_B.weight, .lora.down/up.weight, .lora_linear_layer.down/up.weight or .alpha)"));
                continue;
            }
            if (k.Problem is not null)
            {
                problems.Add((key, k.Problem));
                continue;
            }
            if (!pairs.TryGetValue(k.Layer, out PairKeys? pair)) pairs[k.Layer] = pair = new PairKeys();
            ref string? slot = ref k.Part == LoraPart.Down ? ref pair.Down : ref k.Part == LoraPart.Up ? ref pair.Up : ref pair.Alpha;
            if (slot is not null) problems.Add((key, $"gives the same tensor of layer '{k.Layer}' as '{slot}'"));
            else slot = key;
        }

        foreach ((string layer, PairKeys pair) in pairs)
        {
            string? problem = PairProblem(file, model, layer, pair);
            if (problem is not null) problems.Add((pair.Down ?? pair.Up ?? pair.Alpha!, problem));
        }
        if (problems.Count > 0) throw new AdapterMismatchException(adapter, problems);
        return pairs;
    }

    private static string? PairProblem(SafetensorsFile file, ModelAdapters model, string layer, PairKeys pair)
    {
        if (pair.Down is null || pair.Up is null)
            return $"layer '{layer}' has no {(pair.Down is null ? "down (A)" : "up (B)")} tensor";
        Module? target = model.FindLayer(layer);
        if (target is null) return $"{model.NoSuchLayer(layer)} ('{layer}')";
        (long[] a, long[] b) = LayerFit.ShapesFor(target, file[pair.Down].Shape.ToArray(), file[pair.Up].Shape.ToArray());
        string? problem = LayerFit.Problem(target, a, b);
        if (problem is not null) return $"layer '{layer}': {problem}";
        if (pair.Alpha is not null && (file[pair.Alpha].NumEl != 1 || !file[pair.Alpha].DType.IsFloatingPoint()))
            return $"alpha of layer '{layer}' must be one floating-point number";
        return null;
    }

    private static LoraLayer LoadLayer(SafetensorsFile file, PairKeys keys, Module target, string layer, PeftAdapterConfig?[] configs)
    {
        Tensor weight = LayerFit.WeightOf(target);
        using var scope = torch.NewDisposeScope();
        (long[] aShape, long[] bShape) = LayerFit.ShapesFor(target, file[keys.Down!].Shape.ToArray(), file[keys.Up!].Shape.ToArray());
        Tensor a = file.Load(keys.Down!, weight.DType).Reshape(aShape).To(weight.Device);
        Tensor b = file.Load(keys.Up!, weight.DType).Reshape(bShape).To(weight.Device);
        double? alpha = keys.Alpha is null ? null : file.Load(keys.Alpha, DType.Float64).ToDouble();
        string path = AdapterKeys.Split(layer).Path;
        PeftAdapterConfig? config = configs.FirstOrDefault(c => c?.AlphaFor(path, layer) is not null) ?? configs.FirstOrDefault(c => c is not null);
        alpha ??= config?.AlphaFor(path, layer) ?? aShape[0];
        var loaded = new LoraLayer(a.DetachFromDisposeScope(), b.DetachFromDisposeScope(), alpha.Value, config?.RankStabilized ?? false, config?.Dropout ?? 0);
        loaded.RequiresGrad_(false);
        loaded.Eval();
        return loaded;
    }
}
