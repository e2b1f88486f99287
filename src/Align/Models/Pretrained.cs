using Torch;
using Torch.NN;

namespace Align.Models;

/// <summary>Builds a module from a Hugging Face component directory and loads its safetensors weights into it.</summary>
public static class Pretrained
{
    /// <param name="weightsStem">file name without extension, e.g. <c>diffusion_pytorch_model</c> or <c>model</c></param>
    public static T Load<T>(string directory, string weightsStem, Func<string, T> build, Func<string, bool>? ignoreUnexpected = null,
        Func<string, string>? renameKey = null) where T : Module
    {
        if (!Directory.Exists(directory)) throw new ModelLoadException($"{directory}: directory not found");
        string[] files = WeightFiles(directory, weightsStem);
        T model = build(directory);
        try
        {
            ModelWeights.Load(model, files, ignoreUnexpected, renameKey);
            model.Eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes a component directory: the config (by <paramref name="writeConfig"/>) and the state dict as one safetensors
    /// file, floating-point tensors converted to <paramref name="dtype"/> when given (e.g. float16 to ship small).
    /// </summary>
    public static void Save(Module module, string directory, string weightsStem, Action<string> writeConfig, DType? dtype = null,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        Directory.CreateDirectory(directory);
        writeConfig(Path.Combine(directory, "config.json"));
        using var scope = torch.NewDisposeScope();
        var state = new Dictionary<string, Tensor>();
        foreach ((string key, Tensor t) in module.StateDict())
            state[key] = dtype is DType d && t.DType.IsFloatingPoint() && t.DType != d ? t.To(d) : t;
        var meta = new Dictionary<string, string> { ["format"] = "pt" };
        foreach ((string k, string v) in metadata ?? new Dictionary<string, string>()) meta[k] = v;
        Safetensors.Save(Path.Combine(directory, weightsStem + ".safetensors"), state, meta);
    }

    // A single file, or the shards an index names; .bin (pickle) checkpoints are never read.
    private static string[] WeightFiles(string directory, string stem)
    {
        string single = Path.Combine(directory, stem + ".safetensors");
        if (File.Exists(single)) return [single];
        string[] shards = Directory.GetFiles(directory, stem + "-*-of-*.safetensors");
        if (shards.Length > 0) return shards.Order().ToArray();
        string hint = File.Exists(Path.Combine(directory, stem + ".bin")) ? $" ({stem}.bin is a pickle checkpoint, which is never loaded: convert it to safetensors)" : "";
        throw new ModelLoadException($"{directory}: missing {stem}.safetensors{hint}");
    }
}
