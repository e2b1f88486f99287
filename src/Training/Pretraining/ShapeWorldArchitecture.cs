using Align.Models.Clip;
using Align.Models.Diffusers;
using Align.Models.Vae;
using System.Text.Json;

namespace Training.Pretraining;

/// <summary>
/// The embedded default model's shapes: Stable Diffusion's architecture scaled to 64×64 ShapeWorld images (VAE ×4 →
/// 16×16×4 latents, a two-level cross-attention UNet, a small CLIP whose text tower is also the model's text encoder).
/// </summary>
public static class ShapeWorldArchitecture
{
    public const int ImageSize = 64;
    public const int TextHidden = 64;
    public const int MaxTokens = 32;

    public static AutoencoderKLConfig Vae() => new()
    {
        BlockOutChannels = [32, 64, 64],
        DownBlockTypes = ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
        UpBlockTypes = ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"],
        LayersPerBlock = 1,
        LatentChannels = 4,
        NormNumGroups = 16,
        SampleSize = ImageSize,
        ScalingFactor = 1.0,
        ForceUpcast = false,
    };

    public static ClipTextConfig Text(int vocabSize) => new()
    {
        VocabSize = vocabSize,
        HiddenSize = TextHidden,
        IntermediateSize = 4 * TextHidden,
        ProjectionDim = 64,
        NumHiddenLayers = 4,
        NumAttentionHeads = 4,
        MaxPositionEmbeddings = MaxTokens,
        HiddenAct = "quick_gelu",
        EosTokenId = vocabSize - 1,
        Architectures = ["CLIPTextModel"],
    };

    public static ClipVisionConfig Vision() => new()
    {
        HiddenSize = 96,
        IntermediateSize = 384,
        ProjectionDim = 64,
        NumHiddenLayers = 4,
        NumAttentionHeads = 4,
        ImageSize = ImageSize,
        PatchSize = 8,
        HiddenAct = "quick_gelu",
    };

    public static UNet2DConditionConfig UNet() => new()
    {
        SampleSize = ImageSize / 4,
        BlockOutChannels = [64, 128, 128],
        // Attention at 8×8 and 4×4 only, with 32-wide heads: on CPU, thin heads over 16×16 tokens cost more than the rest of the UNet.
        DownBlockTypes = ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
        UpBlockTypes = ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
        LayersPerBlock = JsonDocument.Parse("1").RootElement.Clone(),
        AttentionHeadDim = JsonDocument.Parse("4").RootElement.Clone(),
        CrossAttentionDim = JsonDocument.Parse(TextHidden.ToString()).RootElement.Clone(),
        NormNumGroups = 16,
    };

    /// <summary>Euler with trailing timesteps over the DDPM scaled-linear schedule the UNet is trained on.</summary>
    public const string SchedulerConfig = """
        {
          "_class_name": "EulerDiscreteScheduler",
          "_diffusers_version": "0.27.2",
          "num_train_timesteps": 1000,
          "beta_start": 0.00085,
          "beta_end": 0.012,
          "beta_schedule": "scaled_linear",
          "prediction_type": "epsilon",
          "timestep_spacing": "trailing",
          "steps_offset": 1,
          "interpolation_type": "linear",
          "use_karras_sigmas": false
        }
        """;
}
