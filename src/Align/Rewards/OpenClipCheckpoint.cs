using System.Text.RegularExpressions;
using Align.Models;
using Align.Models.Clip;
using Torch;
using Torch.NN;

namespace Align.Rewards;

/// <summary>
/// Loads an open_clip CLIP checkpoint (safetensors) into our transformers-layout <see cref="ClipModel"/>, one tensor at
/// a time. open_clip's layout (open_clip/model.py, transformer.py): <c>visual.conv1</c>, <c>visual.class_embedding</c>,
/// <c>visual.positional_embedding</c>, <c>visual.ln_pre</c>, <c>visual.transformer.resblocks.N.*</c>,
/// <c>visual.ln_post</c>, <c>visual.proj</c> [width, embed]; text <c>token_embedding</c>, <c>positional_embedding</c>,
/// <c>transformer.resblocks.N.*</c>, <c>ln_final</c>, <c>text_projection</c> [width, embed]; <c>logit_scale</c>.
/// Each residual block holds <c>ln_1</c>, <c>attn</c> (nn.MultiheadAttention: <c>in_proj_weight/bias</c> packing q, k, v
/// along dim 0, <c>out_proj</c>), <c>ln_2</c>, <c>mlp.c_fc</c>, <c>mlp.c_proj</c>.
/// </summary>
public static partial class OpenClipCheckpoint
{
    [GeneratedRegex(@"^(visual\.)?transformer\.resblocks\.(\d+)\.(.+)$")]
    private static partial Regex ResidualBlock();

    /// <summary>
    /// The ClipModel keys and values one open_clip tensor becomes: most are renamed; packed q/k/v projections split in
    /// three; the projections, stored as matrices applied as <c>x @ proj</c>, are transposed into Linear weights
    /// (<c>x · Wᵀ</c>). Empty for keys with nothing to load (open_clip's causal <c>attn_mask</c> buffer, rebuilt here).
    /// </summary>
    /// <exception cref="ModelLoadException">a key open_clip's plain CLIP does not have</exception>
    public static IEnumerable<(string Key, Tensor Value)> MapTensor(string key, Tensor value)
    {
        Match block = ResidualBlock().Match(key);
        if (block.Success)
        {
            string tower = block.Groups[1].Success ? "vision_model" : "text_model";
            string prefix = $"{tower}.encoder.layers.{block.Groups[2].Value}.";
            string rest = block.Groups[3].Value;
            if (rest is "attn.in_proj_weight" or "attn.in_proj_bias")
            {
                string suffix = rest.EndsWith("weight", StringComparison.Ordinal) ? "weight" : "bias";
                Tensor[] qkv = value.Chunk(3, 0);
                return [(prefix + "self_attn.q_proj." + suffix, qkv[0]), (prefix + "self_attn.k_proj." + suffix, qkv[1]), (prefix + "self_attn.v_proj." + suffix, qkv[2])];
            }
            string? renamed = rest switch
            {
                "ln_1.weight" => "layer_norm1.weight",
                "ln_1.bias" => "layer_norm1.bias",
                "ln_2.weight" => "layer_norm2.weight",
                "ln_2.bias" => "layer_norm2.bias",
                "attn.out_proj.weight" => "self_attn.out_proj.weight",
                "attn.out_proj.bias" => "self_attn.out_proj.bias",
                "mlp.c_fc.weight" => "mlp.fc1.weight",
                "mlp.c_fc.bias" => "mlp.fc1.bias",
                "mlp.c_proj.weight" => "mlp.fc2.weight",
                "mlp.c_proj.bias" => "mlp.fc2.bias",
                _ => null,
            };
            return renamed is null ? throw Unexpected(key) : [(prefix + renamed, value)];
        }
        return key switch
        {
            "visual.class_embedding" => [("vision_model.embeddings.class_embedding", value)],
            "visual.positional_embedding" => [("vision_model.embeddings.position_embedding.weight", value)],
            "visual.conv1.weight" => [("vision_model.embeddings.patch_embedding.weight", value)],
            "visual.ln_pre.weight" => [("vision_model.pre_layrnorm.weight", value)],
            "visual.ln_pre.bias" => [("vision_model.pre_layrnorm.bias", value)],
            "visual.ln_post.weight" => [("vision_model.post_layernorm.weight", value)],
            "visual.ln_post.bias" => [("vision_model.post_layernorm.bias", value)],
            "visual.proj" => [("visual_projection.weight", value.T)],
            "token_embedding.weight" => [("text_model.embeddings.token_embedding.weight", value)],
            "positional_embedding" => [("text_model.embeddings.position_embedding.weight", value)],
            "ln_final.weight" => [("text_model.final_layer_norm.weight", value)],
            "ln_final.bias" => [("text_model.final_layer_norm.bias", value)],
            "text_projection" => [("text_projection.weight", value.T)],
            "logit_scale" => [("logit_scale", value)],
            "attn_mask" => [],
            _ => throw Unexpected(key),
        };
    }

    /// <summary>
    /// Builds the model the config describes and copies the checkpoint into it. Every parameter must be given exactly
    /// once with its shape; any missing, unexpected or mis-shaped key fails with one error naming them.
    /// </summary>
    public static ClipModel Load(OpenClipConfig config, string weightsPath)
    {
        if (!File.Exists(weightsPath)) throw new ModelLoadException($"{weightsPath}: file not found (pickle checkpoints are never read: convert them to safetensors)");
        ClipModel model = config.BuildClipModel();
        try
        {
            CopyInto(model, weightsPath);
            model.Eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static void CopyInto(Module model, string weightsPath)
    {
        SafetensorsFile file;
        try
        {
            file = Safetensors.Open(weightsPath);
        }
        catch (SafetensorsException e)
        {
            throw new ModelLoadException(e.Message);
        }
        using (file)
        {
            var targets = model.StateDict();
            try
            {
                var problems = new List<string>();
                var loaded = new HashSet<string>();
                using var noGrad = Autograd.NoGrad();
                foreach (string name in file.Names)
                {
                    using var scope = torch.NewDisposeScope();
                    IEnumerable<(string Key, Tensor Value)> mapped;
                    try
                    {
                        mapped = MapTensor(name, file.Load(name)).ToList();
                    }
                    catch (ModelLoadException e)
                    {
                        problems.Add(e.Message);
                        continue;
                    }
                    foreach ((string key, Tensor value) in mapped)
                    {
                        if (!targets.TryGetValue(key, out Tensor? target)) problems.Add($"'{name}' maps to '{key}', which the model does not have");
                        else if (!target.Shape.SequenceEqual(value.Shape))
                            problems.Add($"'{name}' ({key}): shape [{string.Join(", ", value.Shape)}] but the config gives [{string.Join(", ", target.Shape)}]");
                        else if (!loaded.Add(key)) problems.Add($"'{name}' gives '{key}' a second time");
                        else target.Copy_(value);
                    }
                }
                problems.AddRange(targets.Keys.Where(k => !loaded.Contains(k)).Select(k => $"nothing gives '{k}'"));
                if (problems.Count > 0)
                    throw new ModelLoadException($"{weightsPath}: not an open_clip checkpoint for this config: {string.Join("; ", problems)}");
            }
            finally
            {
                foreach (Tensor t in targets.Values) t.Dispose();
            }
        }
    }

    private static ModelLoadException Unexpected(string key) => new($"unexpected key '{key}' (not in open_clip's plain CLIP layout)");
}
