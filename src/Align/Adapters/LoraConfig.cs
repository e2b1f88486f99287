namespace Align.Adapters;

/// <summary>
/// What a new trainable adapter targets and how it is shaped (PEFT's <c>LoraConfig</c>): rank, alpha and, per model
/// component, the target module names. A layer matches a name, as in PEFT's <c>target_modules</c>, when its path equals
/// it or ends with "." + it; only Linear and Conv2d layers can be targets.
/// </summary>
public sealed record LoraConfig
{
    /// <summary>The UNet's attention projections: diffusers' default LoRA targets.</summary>
    public static readonly IReadOnlyList<string> UNetAttention = ["to_q", "to_k", "to_v", "to_out.0"];

    /// <summary>The UNet transformer blocks' feed-forward layers (GEGLU projection and output).</summary>
    public static readonly IReadOnlyList<string> UNetFeedForward = ["ff.net.0.proj", "ff.net.2"];

    /// <summary>The UNet resnets' convolutions (kohya's "LoCon" targets).</summary>
    public static readonly IReadOnlyList<string> UNetResnetConvs = ["conv1", "conv2", "conv_shortcut"];

    /// <summary>The CLIP text encoders' attention projections.</summary>
    public static readonly IReadOnlyList<string> TextEncoderAttention = ["q_proj", "k_proj", "v_proj", "out_proj"];

    /// <summary>The CLIP text encoders' MLPs.</summary>
    public static readonly IReadOnlyList<string> TextEncoderMlp = ["fc1", "fc2"];

    public int Rank { get; init; } = 4;

    /// <summary>Null means alpha = rank (scale 1).</summary>
    public double? Alpha { get; init; }

    public double Dropout { get; init; }

    /// <summary>rsLoRA: scale alpha/√r.</summary>
    public bool RankStabilized { get; init; }

    /// <summary>Component (<c>unet</c>, <c>text_encoder</c>, <c>text_encoder_2</c>) → target module names. Default: the UNet's attention.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Targets { get; init; } =
        new Dictionary<string, IReadOnlyList<string>> { [AdapterKeys.UNet] = UNetAttention };

    /// <summary>Whether <paramref name="path"/> (a layer path inside a component) is one of <paramref name="targets"/>.</summary>
    public static bool Matches(string path, IEnumerable<string> targets) =>
        targets.Any(t => path == t || path.EndsWith("." + t, StringComparison.Ordinal));
}
