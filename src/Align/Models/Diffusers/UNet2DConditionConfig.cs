using System.Text.Json;
using System.Text.Json.Serialization;

namespace Align.Models.Diffusers;

/// <summary>diffusers' <c>UNet2DConditionModel</c> config (the fields this port reads; values it cannot honour are refused by <see cref="Validate"/>).</summary>
public sealed record UNet2DConditionConfig
{
    public int InChannels { get; init; } = 4;
    public int OutChannels { get; init; } = 4;
    public int? SampleSize { get; init; }
    public bool CenterInputSample { get; init; }
    public bool FlipSinToCos { get; init; } = true;
    public double FreqShift { get; init; }
    public string[] DownBlockTypes { get; init; } = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"];
    public string? MidBlockType { get; init; } = "UNetMidBlock2DCrossAttn";
    public string[] UpBlockTypes { get; init; } = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"];
    public JsonElement? OnlyCrossAttention { get; init; }
    public int[] BlockOutChannels { get; init; } = [320, 640, 1280, 1280];
    public JsonElement? LayersPerBlock { get; init; }
    public int DownsamplePadding { get; init; } = 1;
    public double MidBlockScaleFactor { get; init; } = 1;
    public string ActFn { get; init; } = "silu";
    public int? NormNumGroups { get; init; } = 32;
    public double NormEps { get; init; } = 1e-5;
    public JsonElement? CrossAttentionDim { get; init; }
    public JsonElement? TransformerLayersPerBlock { get; init; }
    public JsonElement? ReverseTransformerLayersPerBlock { get; init; }
    public JsonElement? AttentionHeadDim { get; init; }
    public JsonElement? NumAttentionHeads { get; init; }
    public bool DualCrossAttention { get; init; }
    public bool UseLinearProjection { get; init; }
    public string? ClassEmbedType { get; init; }
    public int? NumClassEmbeds { get; init; }
    public string? AdditionEmbedType { get; init; }
    public int? AdditionTimeEmbedDim { get; init; }
    public int? ProjectionClassEmbeddingsInputDim { get; init; }
    public bool UpcastAttention { get; init; }
    public string ResnetTimeScaleShift { get; init; } = "default";
    public bool ResnetSkipTimeAct { get; init; }
    public double ResnetOutScaleFactor { get; init; } = 1.0;
    public string TimeEmbeddingType { get; init; } = "positional";
    public int? TimeEmbeddingDim { get; init; }
    public string? TimeEmbeddingActFn { get; init; }
    public string? TimestepPostAct { get; init; }
    public int? TimeCondProjDim { get; init; }
    public int ConvInKernel { get; init; } = 3;
    public int ConvOutKernel { get; init; } = 3;
    public string AttentionType { get; init; } = "default";
    public string? EncoderHidDimType { get; init; }
    public int? EncoderHidDim { get; init; }
    public bool? MidBlockOnlyCrossAttention { get; init; }
    public string? CrossAttentionNorm { get; init; }

    [JsonIgnore]
    public string Source { get; init; } = "config";

    public static UNet2DConditionConfig Load(string path)
    {
        UNet2DConditionConfig c = ConfigFile.Read<UNet2DConditionConfig>(path) with { Source = path };
        c.Validate();
        return c;
    }

    [JsonIgnore]
    public int BlockCount => BlockOutChannels.Length;
    [JsonIgnore]
    public int Groups => NormNumGroups ?? throw new ModelLoadException($"{Source}: norm_num_groups null is not supported");
    [JsonIgnore]
    public int TimeEmbedDim => TimeEmbeddingDim ?? BlockOutChannels[0] * 4;

    // diffusers reads attention_head_dim as the number of heads when num_attention_heads is not given (a naming quirk it keeps for compatibility).
    [JsonIgnore]
    public int[] HeadsPerBlock => PerBlock(NumAttentionHeads ?? AttentionHeadDim, 8, "num_attention_heads / attention_head_dim");
    [JsonIgnore]
    public int[] LayersPerBlockList => PerBlock(LayersPerBlock, 2, "layers_per_block");
    [JsonIgnore]
    public int[] CrossAttentionDimPerBlock => PerBlock(CrossAttentionDim, 1280, "cross_attention_dim");
    [JsonIgnore]
    public int[] TransformerLayersPerBlockList => PerBlock(TransformerLayersPerBlock, 1, "transformer_layers_per_block");
    [JsonIgnore]
    public bool[] OnlyCrossAttentionPerBlock => OnlyCrossAttention is { ValueKind: JsonValueKind.Array } a
        ? a.EnumerateArray().Select(e => e.GetBoolean()).ToArray()
        : Enumerable.Repeat(OnlyCrossAttention is { ValueKind: JsonValueKind.True }, BlockCount).ToArray();

    private int[] PerBlock(JsonElement? value, int fallback, string name)
    {
        if (value is not { } v || v.ValueKind == JsonValueKind.Null) return Enumerable.Repeat(fallback, BlockCount).ToArray();
        if (v.ValueKind == JsonValueKind.Number) return Enumerable.Repeat(v.GetInt32(), BlockCount).ToArray();
        if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.Number))
            throw new ModelLoadException($"{Source}: {name} must be an int or a list of ints (nested per-layer lists are not supported), got {v}");
        int[] list = v.EnumerateArray().Select(e => e.GetInt32()).ToArray();
        return list.Length == BlockCount ? list
            : throw new ModelLoadException($"{Source}: {name} has {list.Length} entries for {BlockCount} blocks");
    }

    /// <summary>Refuses, all at once, every config value this port does not implement.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        void Need(bool ok, string what)
        {
            if (!ok) problems.Add(what);
        }
        string[] downs = ["DownBlock2D", "CrossAttnDownBlock2D"], ups = ["UpBlock2D", "CrossAttnUpBlock2D"];
        foreach (string t in DownBlockTypes) Need(downs.Contains(t), $"down block type '{t}' (supported: {string.Join(", ", downs)})");
        foreach (string t in UpBlockTypes) Need(ups.Contains(t), $"up block type '{t}' (supported: {string.Join(", ", ups)})");
        Need(DownBlockTypes.Length == BlockCount && UpBlockTypes.Length == BlockCount,
            $"{DownBlockTypes.Length} down / {UpBlockTypes.Length} up block types for {BlockCount} block_out_channels");
        Need(MidBlockType is "UNetMidBlock2DCrossAttn", $"mid_block_type '{MidBlockType}' (supported: UNetMidBlock2DCrossAttn)");
        Need(ClassEmbedType is null && NumClassEmbeds is null, "class embeddings (class_embed_type / num_class_embeds)");
        Need(AdditionEmbedType is null or "text_time", $"addition_embed_type '{AdditionEmbedType}' (supported: text_time)");
        Need(AdditionEmbedType != "text_time" || (AdditionTimeEmbedDim is not null && ProjectionClassEmbeddingsInputDim is not null),
            "addition_embed_type text_time needs addition_time_embed_dim and projection_class_embeddings_input_dim");
        Need(!DualCrossAttention, "dual_cross_attention");
        Need(ResnetTimeScaleShift == "default", $"resnet_time_scale_shift '{ResnetTimeScaleShift}'");
        Need(!ResnetSkipTimeAct && ResnetOutScaleFactor == 1.0, "resnet_skip_time_act / resnet_out_scale_factor");
        Need(TimeEmbeddingType == "positional", $"time_embedding_type '{TimeEmbeddingType}'");
        Need(TimeEmbeddingActFn is null, $"time_embedding_act_fn '{TimeEmbeddingActFn}'");
        Need(AttentionType == "default", $"attention_type '{AttentionType}'");
        Need(EncoderHidDimType is null && EncoderHidDim is null, "encoder_hid_dim / encoder_hid_dim_type");
        Need(MidBlockOnlyCrossAttention is null or false, "mid_block_only_cross_attention");
        Need(CrossAttentionNorm is null, $"cross_attention_norm '{CrossAttentionNorm}'");
        Need(ConvInKernel % 2 == 1 && ConvOutKernel % 2 == 1, "even conv_in_kernel / conv_out_kernel");
        if (problems.Count > 0)
            throw new ModelLoadException($"{Source}: unsupported UNet config: {string.Join("; ", problems)}");
        int[] heads = HeadsPerBlock;
        for (int i = 0; i < BlockCount; i++)
            if (BlockOutChannels[i] % heads[i] != 0)
                throw new ModelLoadException($"{Source}: block {i} has {BlockOutChannels[i]} channels, not divisible by {heads[i]} heads");
        _ = LayersPerBlockList;
        _ = CrossAttentionDimPerBlock;
        _ = TransformerLayersPerBlockList;
    }
}
