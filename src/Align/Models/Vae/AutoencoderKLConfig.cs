using System.Text.Json.Serialization;

namespace Align.Models.Vae;

/// <summary>diffusers' <c>AutoencoderKL</c> config.</summary>
public sealed record AutoencoderKLConfig
{
    public int InChannels { get; init; } = 3;
    public int OutChannels { get; init; } = 3;
    public string[] DownBlockTypes { get; init; } = ["DownEncoderBlock2D"];
    public string[] UpBlockTypes { get; init; } = ["UpDecoderBlock2D"];
    public int[] BlockOutChannels { get; init; } = [64];
    public int LayersPerBlock { get; init; } = 1;
    public string ActFn { get; init; } = "silu";
    public int LatentChannels { get; init; } = 4;
    public int NormNumGroups { get; init; } = 32;
    public int? SampleSize { get; init; }
    public double ScalingFactor { get; init; } = 0.18215;
    public double? ShiftFactor { get; init; }
    public double[]? LatentsMean { get; init; }
    public double[]? LatentsStd { get; init; }
    public bool ForceUpcast { get; init; } = true;
    public bool UseQuantConv { get; init; } = true;
    public bool UsePostQuantConv { get; init; } = true;
    public bool MidBlockAddAttention { get; init; } = true;

    [JsonIgnore]
    public string Source { get; init; } = "config";

    /// <summary>Pixels per latent along each side: 2^(number of down blocks − 1).</summary>
    [JsonIgnore]
    public int ScaleFactor => 1 << (BlockOutChannels.Length - 1);

    public static AutoencoderKLConfig Load(string path)
    {
        AutoencoderKLConfig c = ConfigFile.Read<AutoencoderKLConfig>(path) with { Source = path };
        var problems = new List<string>();
        foreach (string t in c.DownBlockTypes.Where(t => t != "DownEncoderBlock2D")) problems.Add($"down block type '{t}' (supported: DownEncoderBlock2D)");
        foreach (string t in c.UpBlockTypes.Where(t => t != "UpDecoderBlock2D")) problems.Add($"up block type '{t}' (supported: UpDecoderBlock2D)");
        if (c.DownBlockTypes.Length != c.BlockOutChannels.Length || c.UpBlockTypes.Length != c.BlockOutChannels.Length)
            problems.Add($"{c.DownBlockTypes.Length} down / {c.UpBlockTypes.Length} up block types for {c.BlockOutChannels.Length} block_out_channels");
        if (problems.Count > 0) throw new ModelLoadException($"{path}: unsupported VAE config: {string.Join("; ", problems)}");
        return c;
    }
}
