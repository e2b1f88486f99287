using System.Text.Json;
using Torch;
using Torch.NN;

namespace Align.Models.Clip;

/// <summary>
/// transformers' <c>CLIPModel</c>: text and vision towers with projections into a joint space and a learned temperature —
/// the layout of CLIP-score and PickScore reward models.
/// </summary>
public sealed class ClipModel : Module
{
    public ClipModel(ClipTextConfig text, ClipVisionConfig vision, int projectionDim, double logitScaleInit = 2.6592)
    {
        TextConfig = text;
        VisionConfig = vision;
        _logitScaleInit = logitScaleInit;
        text_model = RegisterModule("text_model", new ClipTextTransformer(text));
        vision_model = RegisterModule("vision_model", new ClipVisionTransformer(vision));
        visual_projection = RegisterModule("visual_projection", new Linear(vision.HiddenSize, projectionDim, bias: false));
        text_projection = RegisterModule("text_projection", new Linear(text.HiddenSize, projectionDim, bias: false));
        logit_scale = RegisterParameter("logit_scale", torch.Scalar(logitScaleInit));
    }

    private readonly double _logitScaleInit;

    public ClipTextConfig TextConfig { get; }
    public ClipVisionConfig VisionConfig { get; }
    public ClipTextTransformer text_model { get; }
    public ClipVisionTransformer vision_model { get; }
    public Linear visual_projection { get; }
    public Linear text_projection { get; }
    public Tensor logit_scale { get; }

    /// <summary>Reads a transformers CLIPModel <c>config.json</c> (its <c>text_config</c> and <c>vision_config</c>).</summary>
    public static ClipModel FromConfig(string path)
    {
        using JsonDocument doc = JsonDocument.Parse(File.Exists(path) ? File.ReadAllText(path) : throw new ModelLoadException($"{path}: file not found"));
        JsonElement root = doc.RootElement;
        if (!root.TryGetProperty("text_config", out JsonElement t) || !root.TryGetProperty("vision_config", out JsonElement v))
            throw new ModelLoadException($"{path}: a CLIPModel config needs text_config and vision_config");
        var text = ConfigFile.Parse<ClipTextConfig>(t, path) with { Source = path };
        var vision = ConfigFile.Parse<ClipVisionConfig>(v, path) with { Source = path };
        int projection = root.TryGetProperty("projection_dim", out JsonElement p) ? p.GetInt32() : 512;
        double scale = root.TryGetProperty("logit_scale_init_value", out JsonElement s) ? s.GetDouble() : 2.6592;
        return new ClipModel(text, vision, projection, scale);
    }

    /// <summary>Loads a transformers CLIPModel directory (<c>config.json</c>, <c>model.safetensors</c>).</summary>
    public static ClipModel FromPretrained(string directory) =>
        Pretrained.Load(directory, "model", d => FromConfig(Path.Combine(d, "config.json")),
            key => key.EndsWith("position_ids", StringComparison.Ordinal));

    /// <summary>Writes a transformers CLIPModel directory that <see cref="FromPretrained"/> (and transformers) read back.</summary>
    public void SavePretrained(string directory, DType? dtype = null) =>
        Pretrained.Save(this, directory, "model", path => ConfigFile.Write(path, new
        {
            architectures = new[] { "CLIPModel" },
            model_type = "clip",
            projection_dim = visual_projection.OutFeatures,
            logit_scale_init_value = _logitScaleInit,
            text_config = TextConfig,
            vision_config = VisionConfig,
        }), dtype);

    /// <summary><c>get_text_features</c>: projected pooled text output [B, P] (not normalised).</summary>
    public Tensor TextFeatures(Tensor inputIds, Tensor? attentionMask = null)
    {
        using var scope = torch.NewDisposeScope();
        (_, Tensor pooled, _) = text_model.Forward(inputIds, attentionMask);
        return text_projection.Forward(pooled).MoveToOuterScope();
    }

    /// <summary><c>get_image_features</c>: projected pooled image output [B, P] (not normalised).</summary>
    public Tensor ImageFeatures(Tensor pixelValues)
    {
        using var scope = torch.NewDisposeScope();
        (_, Tensor pooled) = vision_model.Forward(pixelValues);
        return visual_projection.Forward(pooled).MoveToOuterScope();
    }

    /// <summary><c>logits_per_image</c> [images, texts] = exp(logit_scale) · cos(image, text).</summary>
    public Tensor LogitsPerImage(Tensor imageFeatures, Tensor textFeatures)
    {
        using var scope = torch.NewDisposeScope();
        Tensor image = F.Normalize(imageFeatures, dim: -1), text = F.Normalize(textFeatures, dim: -1);
        return (image.Matmul(text.T) * logit_scale.Exp()).MoveToOuterScope();
    }
}
