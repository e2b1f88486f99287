using System.Text.Json;
using Align.Models;
using Align.Models.Clip;

namespace Align.Rewards;

/// <summary>
/// An open_clip model config (open_clip/model_configs/*.json, or the <c>model_cfg</c> of the
/// <c>open_clip_config.json</c> open_clip writes next to hub weights) for the plain ViT + text transformer CLIP:
/// <c>embed_dim</c>, <c>quick_gelu</c>, <c>vision_cfg</c> {image_size, layers, width, patch_size, head_width, mlp_ratio},
/// <c>text_cfg</c> {context_length, vocab_size, width, heads, layers, mlp_ratio}. Any other option changes the
/// architecture (layer scale, attentional pooling, timm or HF towers, ...) and is refused rather than ignored.
/// Defaults are open_clip's (CLIPVisionCfg / CLIPTextCfg in open_clip/model.py).
/// </summary>
public sealed record OpenClipConfig(
    int EmbedDim,
    bool QuickGelu,
    int ImageSize, int VisionLayers, int VisionWidth, int PatchSize, int VisionHeadWidth, double VisionMlpRatio,
    int ContextLength, int VocabSize, int TextWidth, int TextHeads, int TextLayers, double TextMlpRatio,
    IReadOnlyList<float>? ImageMean, IReadOnlyList<float>? ImageStd, string Source)
{
    public const string FileName = "open_clip_config.json";

    private static readonly HashSet<string> TopKeys = ["embed_dim", "quick_gelu", "vision_cfg", "text_cfg", "custom_text"];
    private static readonly HashSet<string> VisionKeys = ["image_size", "layers", "width", "patch_size", "head_width", "mlp_ratio"];
    private static readonly HashSet<string> TextKeys = ["context_length", "vocab_size", "width", "heads", "layers", "mlp_ratio"];

    public static OpenClipConfig Load(string path)
    {
        if (!File.Exists(path)) throw new ModelLoadException($"{path}: file not found");
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            JsonElement root = doc.RootElement;
            JsonElement model = root.TryGetProperty("model_cfg", out JsonElement m) ? m : root;
            JsonElement? preprocess = root.TryGetProperty("preprocess_cfg", out JsonElement p) ? p : null;
            return Parse(model, preprocess, path);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new ModelLoadException($"{path}: {e.Message}");
        }
    }

    private static OpenClipConfig Parse(JsonElement model, JsonElement? preprocess, string path)
    {
        RefuseUnknown(model, TopKeys, "", path);
        if (!model.TryGetProperty("vision_cfg", out JsonElement v) || !model.TryGetProperty("text_cfg", out JsonElement t))
            throw new ModelLoadException($"{path}: an open_clip config needs vision_cfg and text_cfg");
        RefuseUnknown(v, VisionKeys, "vision_cfg.", path);
        RefuseUnknown(t, TextKeys, "text_cfg.", path);
        if (model.TryGetProperty("custom_text", out JsonElement ct) && ct.ValueKind == JsonValueKind.True)
        {
            // custom_text only moves the same text tower under "text." (CustomTextCLIP); the key mapping expects the
            // flat CLIP layout.
            throw new ModelLoadException($"{path}: custom_text models (keys under 'text.') are not supported");
        }
        var config = new OpenClipConfig(
            EmbedDim: Int(model, "embed_dim", null, path),
            QuickGelu: model.TryGetProperty("quick_gelu", out JsonElement q) && q.GetBoolean(),
            ImageSize: Int(v, "image_size", 224, path),
            VisionLayers: Int(v, "layers", 12, path),
            VisionWidth: Int(v, "width", 768, path),
            PatchSize: Int(v, "patch_size", 16, path),
            VisionHeadWidth: Int(v, "head_width", 64, path),
            VisionMlpRatio: Real(v, "mlp_ratio", 4.0),
            ContextLength: Int(t, "context_length", 77, path),
            VocabSize: Int(t, "vocab_size", 49408, path),
            TextWidth: Int(t, "width", 512, path),
            TextHeads: Int(t, "heads", 8, path),
            TextLayers: Int(t, "layers", 12, path),
            TextMlpRatio: Real(t, "mlp_ratio", 4.0),
            ImageMean: Floats(preprocess, "mean", path),
            ImageStd: Floats(preprocess, "std", path),
            Source: path);
        if (config.VisionWidth % config.VisionHeadWidth != 0)
            throw new ModelLoadException($"{path}: vision width {config.VisionWidth} is not a multiple of head_width {config.VisionHeadWidth}");
        if (config.TextWidth % config.TextHeads != 0)
            throw new ModelLoadException($"{path}: text width {config.TextWidth} is not divisible by heads {config.TextHeads}");
        if (config.ImageSize % config.PatchSize != 0)
            throw new ModelLoadException($"{path}: image_size {config.ImageSize} is not a multiple of patch_size {config.PatchSize}");
        return config;
    }

    /// <summary>
    /// The same network as a transformers CLIPModel: open_clip's VisionTransformer and text transformer are CLIP's, with
    /// nn.LayerNorm's eps 1e-5, MLP width <c>int(width · mlp_ratio)</c>, <c>width / head_width</c> vision heads, GELU
    /// unless <c>quick_gelu</c> (set for OpenAI's weights), and text pooled at the argmax token id (the EOT token), which
    /// transformers' CLIP text tower does for the legacy <c>eos_token_id</c> 2.
    /// </summary>
    public ClipModel BuildClipModel()
    {
        string act = QuickGelu ? "quick_gelu" : "gelu";
        var text = new ClipTextConfig
        {
            VocabSize = VocabSize,
            HiddenSize = TextWidth,
            IntermediateSize = (int)(TextWidth * TextMlpRatio),
            ProjectionDim = EmbedDim,
            NumHiddenLayers = TextLayers,
            NumAttentionHeads = TextHeads,
            MaxPositionEmbeddings = ContextLength,
            HiddenAct = act,
            LayerNormEps = 1e-5,
            EosTokenId = 2,
            Source = Source,
        };
        var vision = new ClipVisionConfig
        {
            HiddenSize = VisionWidth,
            IntermediateSize = (int)(VisionWidth * VisionMlpRatio),
            ProjectionDim = EmbedDim,
            NumHiddenLayers = VisionLayers,
            NumAttentionHeads = VisionWidth / VisionHeadWidth,
            NumChannels = 3,
            ImageSize = ImageSize,
            PatchSize = PatchSize,
            HiddenAct = act,
            LayerNormEps = 1e-5,
            Source = Source,
        };
        return new ClipModel(text, vision, EmbedDim);
    }

    private static void RefuseUnknown(JsonElement e, HashSet<string> known, string prefix, string path)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new ModelLoadException($"{path}: {(prefix.Length == 0 ? "the model config" : prefix.TrimEnd('.'))} must be an object");
        string[] unknown = e.EnumerateObject().Select(p => p.Name).Where(n => !known.Contains(n)).ToArray();
        if (unknown.Length > 0)
            throw new ModelLoadException($"{path}: unsupported open_clip option(s) {string.Join(", ", unknown.Select(n => prefix + n))} " +
                                         $"(supported: {string.Join(", ", known.Select(n => prefix + n))})");
    }

    private static int Int(JsonElement e, string key, int? fallback, string path)
    {
        if (!e.TryGetProperty(key, out JsonElement v))
            return fallback ?? throw new ModelLoadException($"{path}: missing {key}");
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int value))
            throw new ModelLoadException($"{path}: {key} must be an integer, got {v.GetRawText()}");
        return value;
    }

    private static double Real(JsonElement e, string key, double fallback) =>
        e.TryGetProperty(key, out JsonElement v) ? v.GetDouble() : fallback;

    private static float[]? Floats(JsonElement? e, string key, string path)
    {
        if (e is not JsonElement obj || !obj.TryGetProperty(key, out JsonElement v)) return null;
        float[] values = v.EnumerateArray().Select(x => x.GetSingle()).ToArray();
        if (values.Length != 3) throw new ModelLoadException($"{path}: preprocess_cfg.{key} must have 3 values, got {values.Length}");
        return values;
    }
}
