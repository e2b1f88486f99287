using System.Security.Cryptography;

namespace Align.Adapters;

/// <summary>
/// The well-known keys of <see cref="LoraAdapter.Metadata"/> (all values are strings; structured ones hold JSON), and
/// the base-model hash that ties an adapter to the weights it was trained on.
/// </summary>
public static class AdapterMetadata
{
    /// <summary>How the adapter was made: <c>dpo</c>, <c>draft</c>, ….</summary>
    public const string Method = "method";

    /// <summary>The base model's name or path.</summary>
    public const string BaseModel = "base_model";

    /// <summary><see cref="HashBaseModel"/> of the base model's directory.</summary>
    public const string BaseModelSha256 = "base_model_sha256";

    /// <summary>A description of the training data (suite, split, pair count…).</summary>
    public const string TrainingData = "training_data";

    /// <summary>A JSON object of hyper-parameters (learning rate, steps, rank…).</summary>
    public const string HyperParameters = "hyperparameters";

    /// <summary>A JSON object of evaluation metrics.</summary>
    public const string Metrics = "metrics";

    /// <summary>
    /// SHA-256 (lower-case hex) over the base model's weight files: every <c>*.safetensors</c> in the component directories
    /// (<c>unet/</c>, <c>text_encoder/</c>, …), in ordinal order of their relative paths, each contributing its relative path
    /// (with '/'), a NUL byte, its length as 8 little-endian bytes and its bytes. Independent of the precision the model is
    /// loaded in; changes when any weight file changes.
    /// </summary>
    public static string HashBaseModel(string modelDirectory)
    {
        string root = Path.GetFullPath(modelDirectory);
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{modelDirectory}: directory not found");
        string[] files = Directory.GetFiles(root, "*.safetensors", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => f.Contains('/'))
            .Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0) throw new FileNotFoundException($"{modelDirectory}: no .safetensors weight files in its component directories");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        foreach (string relative in files)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(relative));
            hash.AppendData([0]);
            using FileStream stream = File.OpenRead(Path.Combine(root, relative));
            hash.AppendData(BitConverter.GetBytes(stream.Length));
            int n;
            while ((n = stream.Read(buffer)) > 0) hash.AppendData(buffer, 0, n);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
