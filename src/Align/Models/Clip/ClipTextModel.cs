using Torch;
using Torch.NN;

namespace Align.Models.Clip;

/// <summary>Outputs of the CLIP text tower. The caller owns every tensor (dispose them or use a scope).</summary>
/// <param name="LastHiddenState">final-layer-normed last layer, [B, T, C]</param>
/// <param name="PooledOutput">the last hidden state at each sequence's EOS token, [B, C]</param>
/// <param name="HiddenStates">embeddings then each layer's output, before the final layer norm (<c>hidden_states</c>)</param>
/// <param name="TextEmbeds">the projected pooled output [B, P] (<c>CLIPTextModelWithProjection</c> only)</param>
public sealed record ClipTextOutput(Tensor LastHiddenState, Tensor PooledOutput, IReadOnlyList<Tensor> HiddenStates, Tensor? TextEmbeds);

/// <summary>transformers' <c>CLIPTextTransformer</c>: embeddings, causal encoder, final layer norm, EOS pooling.</summary>
public sealed class ClipTextTransformer : Module
{
    private readonly ClipTextConfig _config;

    public ClipTextTransformer(ClipTextConfig config)
    {
        _config = config;
        var act = Activations.Get(config.HiddenAct, config.Source);
        embeddings = RegisterModule("embeddings", new ClipTextEmbeddings(config));
        encoder = RegisterModule("encoder", new ClipEncoder(config.NumHiddenLayers, config.HiddenSize, config.IntermediateSize,
            config.NumAttentionHeads, config.LayerNormEps, act));
        final_layer_norm = RegisterModule("final_layer_norm", new LayerNorm(config.HiddenSize, config.LayerNormEps));
    }

    public ClipTextEmbeddings embeddings { get; }
    public ClipEncoder encoder { get; }
    public LayerNorm final_layer_norm { get; }

    /// <param name="attentionMask">[B, T], 1 for real tokens, 0 for padding (transformers' <c>attention_mask</c>); null attends to all</param>
    public (Tensor LastHiddenState, Tensor Pooled, List<Tensor> HiddenStates) Forward(Tensor inputIds, Tensor? attentionMask = null)
    {
        if (inputIds.Dim != 2) throw new ArgumentException($"input ids must be [batch, tokens], got {inputIds.Dim}-D", nameof(inputIds));
        long t = inputIds.Size(1);
        if (t > _config.MaxPositionEmbeddings)
            throw new ArgumentException($"{t} tokens exceed max_position_embeddings {_config.MaxPositionEmbeddings}", nameof(inputIds));
        Tensor h = embeddings.Forward(inputIds);
        using Tensor causal = CausalMask(t, h.DType, h.Device);
        using Tensor? padding = attentionMask is null ? null : PaddingMask(attentionMask, h.DType);
        using Tensor? mask = padding is null ? null : causal + padding;
        List<Tensor> states = encoder.Forward(h, mask ?? causal);
        Tensor last = final_layer_norm.Forward(states[^1]);
        using Tensor eos = EosPositions(inputIds);
        using Tensor batch = torch.Arange(inputIds.Size(0), device: inputIds.Device);
        Tensor pooled = last.Index(batch, eos);
        return (last, pooled, states);
    }

    // transformers 4.36: configs with the legacy eos_token_id 2 pool at argmax(ids) (the EOS has the largest id
    // in CLIP's vocabulary); others at the first occurrence of eos_token_id.
    private Tensor EosPositions(Tensor ids)
    {
        if (_config.EosTokenId == 2) return ids.Argmax(-1);
        using Tensor isEos = ids.Eq(_config.EosTokenId);
        using Tensor asInt = isEos.To(DType.Int32);
        return asInt.Argmax(-1);
    }

    // transformers' _prepare_4d_attention_mask: (1 − mask)·min over the keys, [B, 1, 1, T].
    private static Tensor PaddingMask(Tensor attentionMask, DType dtype)
    {
        using var scope = torch.NewDisposeScope();
        Tensor inverted = 1.0 - attentionMask.To(dtype);
        return (inverted * LowestValue(dtype)).Unsqueeze(1).Unsqueeze(1).MoveToOuterScope();
    }

    private static double LowestValue(DType dtype) => dtype switch
    {
        DType.Float16 => -65504.0,
        DType.BFloat16 => -3.3895313892515355e38,
        DType.Float64 => double.MinValue,
        _ => float.MinValue,
    };

    // Additive causal mask [1, 1, T, T]: the dtype's lowest value above the diagonal, as transformers builds it.
    private static Tensor CausalMask(long t, DType dtype, Device device)
    {
        using Tensor full = torch.Full([t, t], LowestValue(dtype), dtype, device);
        using Tensor upper = full.Triu(1);
        return upper.View(1, 1, t, t);
    }
}

/// <summary>
/// transformers' <c>CLIPTextModel</c> and <c>CLIPTextModelWithProjection</c> (when the config's architecture
/// says so, or <paramref name="withProjection"/>): keys <c>text_model.*</c> and <c>text_projection.weight</c>.
/// </summary>
public sealed class ClipTextModel : Module
{
    public ClipTextModel(ClipTextConfig config, bool? withProjection = null)
    {
        Config = config;
        text_model = RegisterModule("text_model", new ClipTextTransformer(config));
        bool projection = withProjection ?? config.Architectures?.Contains("CLIPTextModelWithProjection") == true;
        if (projection) text_projection = RegisterModule("text_projection", new Linear(config.HiddenSize, config.ProjectionDim, bias: false));
    }

    /// <summary>Loads a transformers text-encoder directory (<c>config.json</c>, <c>model.safetensors</c>), or the text tower
    /// of a whole CLIPModel directory, as transformers' <c>CLIPTextModel.from_pretrained</c> does.</summary>
    public static ClipTextModel FromPretrained(string directory) =>
        Pretrained.Load(directory, "model", d => new ClipTextModel(ClipTextConfig.Load(Path.Combine(d, "config.json"))),
            key => key.EndsWith("position_ids", StringComparison.Ordinal) || IsOtherPartOfClipModel(key));

    // What a CLIPModel checkpoint holds beside the text tower; a projection the text model has is expected, never ignored.
    private static bool IsOtherPartOfClipModel(string key) =>
        key.StartsWith("vision_model.", StringComparison.Ordinal) || key.StartsWith("visual_projection.", StringComparison.Ordinal)
        || key.StartsWith("text_projection.", StringComparison.Ordinal) || key == "logit_scale";

    /// <summary>Writes a transformers text-encoder directory that <see cref="FromPretrained"/> (and transformers) read back.</summary>
    public void SavePretrained(string directory, DType? dtype = null) =>
        Pretrained.Save(this, directory, "model", path => ConfigFile.Write(path,
            Config with { Architectures = [text_projection is null ? "CLIPTextModel" : "CLIPTextModelWithProjection"] },
            new Dictionary<string, object> { ["model_type"] = "clip_text_model" }), dtype);

    public ClipTextConfig Config { get; }
    public ClipTextTransformer text_model { get; }
    public Linear? text_projection { get; }

    public ClipTextOutput Forward(Tensor inputIds)
    {
        (Tensor last, Tensor pooled, List<Tensor> states) = text_model.Forward(inputIds);
        Tensor? embeds = text_projection?.Forward(pooled);
        return new ClipTextOutput(last, pooled, states, embeds);
    }
}
