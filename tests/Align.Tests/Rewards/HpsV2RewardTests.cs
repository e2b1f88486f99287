using System.Text.RegularExpressions;
using Align.Models;
using Align.Rewards;
using Torch;

namespace Align.Tests.Rewards;

/// <summary>
/// HPSv2 loads open_clip checkpoints. The tiny CLIP reward model rewritten in open_clip's layout (q/k/v packed into
/// in_proj, projections stored as x @ proj matrices, open_clip's names) must give transformers' reference features, and
/// the HPS score is their cosine.
/// </summary>
public class HpsV2RewardTests
{
    private const string Config = """
        {"model_cfg": {"embed_dim": 16,
          "vision_cfg": {"image_size": 32, "layers": 3, "width": 32, "patch_size": 8, "head_width": 8, "mlp_ratio": 1.15625},
          "text_cfg": {"context_length": 77, "vocab_size": 1000, "width": 32, "heads": 4, "layers": 3, "mlp_ratio": 1.15625}},
         "preprocess_cfg": {"mean": [0.48145466, 0.4578275, 0.40821073], "std": [0.26862954, 0.26130258, 0.27577711]}}
        """;

    // transformers CLIPModel name → open_clip name, outside the residual blocks.
    private static readonly Dictionary<string, string> TopLevel = new()
    {
        ["vision_model.embeddings.class_embedding"] = "visual.class_embedding",
        ["vision_model.embeddings.position_embedding.weight"] = "visual.positional_embedding",
        ["vision_model.embeddings.patch_embedding.weight"] = "visual.conv1.weight",
        ["vision_model.pre_layrnorm.weight"] = "visual.ln_pre.weight",
        ["vision_model.pre_layrnorm.bias"] = "visual.ln_pre.bias",
        ["vision_model.post_layernorm.weight"] = "visual.ln_post.weight",
        ["vision_model.post_layernorm.bias"] = "visual.ln_post.bias",
        ["text_model.embeddings.token_embedding.weight"] = "token_embedding.weight",
        ["text_model.embeddings.position_embedding.weight"] = "positional_embedding",
        ["text_model.final_layer_norm.weight"] = "ln_final.weight",
        ["text_model.final_layer_norm.bias"] = "ln_final.bias",
        ["logit_scale"] = "logit_scale",
    };

    /// <summary>Writes the tiny CLIP reward model as an open_clip HPSv2 directory.</summary>
    internal static TempDirectory WriteOpenClipDirectory(Action<Dictionary<string, Tensor>>? edit = null, string config = Config)
    {
        string source = Reference.Model("tiny-clip-reward");
        var temp = new TempDirectory("hpsv2");
        string dir = temp.Path;
        foreach (string f in new[] { "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json" })
            File.Copy(Path.Combine(source, f), Path.Combine(dir, f));
        File.WriteAllText(Path.Combine(dir, OpenClipConfig.FileName), config);
        using var scope = torch.NewDisposeScope();
        Dictionary<string, Tensor> hf = Safetensors.Load(Path.Combine(source, "model.safetensors"));
        var open = new Dictionary<string, Tensor>();
        foreach ((string key, Tensor value) in hf)
        {
            if (TopLevel.TryGetValue(key, out string? name)) open[name] = value;
            else if (key == "visual_projection.weight") open["visual.proj"] = value.T.Contiguous();
            else if (key == "text_projection.weight") open["text_projection"] = value.T.Contiguous();
            else
            {
                Match m = Regex.Match(key, @"^(vision|text)_model\.encoder\.layers\.(\d+)\.(.+)$");
                Assert.True(m.Success, $"unmapped key {key}");
                string block = (m.Groups[1].Value == "vision" ? "visual." : "") + $"transformer.resblocks.{m.Groups[2].Value}.";
                string rest = m.Groups[3].Value;
                Match qkv = Regex.Match(rest, @"^self_attn\.q_proj\.(weight|bias)$");
                if (qkv.Success)
                {
                    string kind = qkv.Groups[1].Value, prefix = key[..^("q_proj." + kind).Length];
                    open[block + "attn.in_proj_" + kind] = torch.Cat([hf[prefix + "q_proj." + kind], hf[prefix + "k_proj." + kind], hf[prefix + "v_proj." + kind]]);
                }
                else if (!Regex.IsMatch(rest, @"^self_attn\.[kv]_proj\."))
                {
                    open[block + rest.Replace("layer_norm1", "ln_1").Replace("layer_norm2", "ln_2").Replace("self_attn.out_proj", "attn.out_proj")
                        .Replace("mlp.fc1", "mlp.c_fc").Replace("mlp.fc2", "mlp.c_proj")] = value;
                }
            }
        }
        edit?.Invoke(open);
        Safetensors.Save(Path.Combine(dir, HpsV2Reward.WeightsFileName), open);
        return temp;
    }

    [Fact]
    public void OpenClipCheckpointGivesTransformersFeaturesAndCosineScores()
    {
        using var scope = torch.NewDisposeScope();
        using TempDirectory dir = WriteOpenClipDirectory();
        using HpsV2Reward reward = HpsV2Reward.FromPretrained(dir.Path);
        Assert.Equal("hpsv2", reward.Name);
        using SafetensorsFile refs = Reference.Open("tiny-clip-reward.safetensors");
        string[] texts = Reference.MetadataJson(refs, "texts").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Tensor pixels = refs.Load("img40x48.pixel_values");

        Reference.AssertClose(refs.Load("image_features"), reward.Model.ImageFeatures(pixels), "image features");
        Reference.AssertClose(refs.Load("text_features"), reward.TextFeatures(texts, Device.CPU), "text features");
        // The reference score is exp(logit_scale) · cosine; HPS reports the cosine itself.
        Tensor expected = refs.Load("score.f64") / refs.Load("logit_scale").To(DType.Float64).Exp();
        Tensor scores = reward.ScorePixelValues(pixels.Expand(texts.Length, -1, -1, -1), texts);
        Reference.AssertClose(expected, scores, "HPS scores", rtol: 0, atol: 1e-6);
    }

    [Fact]
    public void ScoreIsDifferentiableInThePixels()
    {
        using var scope = torch.NewDisposeScope();
        using TempDirectory dir = WriteOpenClipDirectory();
        using HpsV2Reward reward = HpsV2Reward.FromPretrained(dir.Path);
        Assert.True(reward.IsDifferentiable);
        Tensor images = torch.Rand([2, 3, 40, 48], new Generator(2)).RequiresGrad_();
        Tensor scores = reward.Score(images, ["a red circle", "a blue square above a green triangle"]);
        Assert.Equal([2L], scores.Shape);
        Assert.True(scores.Abs().Max().ToDouble() <= 1.0 + 1e-6, "a cosine must lie in [-1, 1]");
        scores.Sum().Backward();
        Assert.True(images.Grad!.Abs().Sum().ToDouble() > 0, "no gradient reached the pixels");
    }

    [Fact]
    public void ForeignKeysAndUnsupportedOptionsFailClearly()
    {
        using TempDirectory extra = WriteOpenClipDirectory(open => open["visual.attn_pool.query"] = torch.Zeros([4, 32]));
        var e = Assert.Throws<ModelLoadException>(() => HpsV2Reward.FromPretrained(extra.Path));
        Assert.Contains("visual.attn_pool.query", e.Message);

        using TempDirectory missing = WriteOpenClipDirectory(open => open.Remove("visual.proj"));
        e = Assert.Throws<ModelLoadException>(() => HpsV2Reward.FromPretrained(missing.Path));
        Assert.Contains("visual_projection.weight", e.Message);

        using TempDirectory layerScale = WriteOpenClipDirectory(config: Config.Replace("\"head_width\": 8", "\"head_width\": 8, \"ls_init_value\": 0.1"));
        e = Assert.Throws<ModelLoadException>(() => HpsV2Reward.FromPretrained(layerScale.Path));
        Assert.Contains("vision_cfg.ls_init_value", e.Message);
    }
}
