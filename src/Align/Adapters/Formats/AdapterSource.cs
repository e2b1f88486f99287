namespace Align.Adapters.Formats;

/// <summary>
/// Where an adapter's files are: its safetensors weights and, for a PEFT directory, its <c>adapter_config.json</c>.
/// A directory holds a PEFT adapter (<c>adapter_config.json</c> + <c>adapter_model.safetensors</c>), a diffusers one
/// (<c>pytorch_lora_weights.safetensors</c>) or a single <c>.safetensors</c> file; a path to a file names it directly.
/// Pickle checkpoints (<c>.bin</c>, <c>.pt</c>, <c>.ckpt</c>, <c>.pth</c>) are never read.
/// </summary>
internal sealed record AdapterSource(string WeightsPath, string? ConfigPath, string DefaultName)
{
    public const string ConfigFile = "adapter_config.json";
    public const string PeftWeightsFile = "adapter_model.safetensors";
    public const string DiffusersWeightsFile = "pytorch_lora_weights.safetensors";

    private static readonly string[] PickleExtensions = [".bin", ".pt", ".pth", ".ckpt", ".pkl"];

    public static AdapterSource Locate(string path)
    {
        if (Directory.Exists(path)) return InDirectory(path);
        if (!File.Exists(path)) throw new AdapterLoadException($"adapter '{path}': no such file or directory");
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (PickleExtensions.Contains(extension))
            throw new AdapterLoadException($"adapter '{path}': {extension} files are pickle checkpoints, which are never loaded: convert it to .safetensors");
        if (extension != ".safetensors") throw new AdapterLoadException($"adapter '{path}': not a .safetensors file");
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        string? config = directory is not null && Path.GetFileName(path) == PeftWeightsFile && File.Exists(Path.Combine(directory, ConfigFile))
            ? Path.Combine(directory, ConfigFile) : null;
        return new AdapterSource(path, config, Path.GetFileNameWithoutExtension(path));
    }

    private static AdapterSource InDirectory(string directory)
    {
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
        string config = Path.Combine(directory, ConfigFile);
        if (File.Exists(config))
        {
            string weights = Path.Combine(directory, PeftWeightsFile);
            if (File.Exists(weights)) return new AdapterSource(weights, config, name);
            string hint = File.Exists(Path.Combine(directory, "adapter_model.bin")) ? " (adapter_model.bin is a pickle checkpoint, which is never loaded)" : "";
            throw new AdapterLoadException($"adapter '{directory}': has {ConfigFile} but no {PeftWeightsFile}{hint}");
        }
        string diffusers = Path.Combine(directory, DiffusersWeightsFile);
        if (File.Exists(diffusers)) return new AdapterSource(diffusers, null, name);
        string[] candidates = Directory.GetFiles(directory, "*.safetensors");
        if (candidates.Length == 1) return new AdapterSource(candidates[0], null, name);
        throw new AdapterLoadException(candidates.Length == 0
            ? $"adapter '{directory}': no {ConfigFile}, {DiffusersWeightsFile} or other .safetensors file"
            : $"adapter '{directory}': {candidates.Length} .safetensors files and no {ConfigFile} or {DiffusersWeightsFile} to say which is the adapter");
    }
}
