namespace Align.Tests.Adapters;

/// <summary>
/// The original Stable Diffusion (LDM/SGM) names of the reference UNets' blocks, written out by hand from the two tiny
/// models' configs (layers_per_block 2, two levels; tiny-sd15 cross-attention down then plain, tiny-sdxl the reverse) so the
/// product's config-driven mapping is checked against an independent table.
/// </summary>
public static class LdmNames
{
    private static readonly Dictionary<string, string> Shared = new()
    {
        ["conv_in"] = "input_blocks_0_0", ["time_embedding.linear_1"] = "time_embed_0", ["time_embedding.linear_2"] = "time_embed_2",
        ["add_embedding.linear_1"] = "label_emb_0_0", ["add_embedding.linear_2"] = "label_emb_0_2", ["conv_out"] = "out_2",
        ["down_blocks.0.resnets.0"] = "input_blocks_1_0", ["down_blocks.0.resnets.1"] = "input_blocks_2_0",
        ["down_blocks.0.downsamplers.0"] = "input_blocks_3_0",
        ["down_blocks.1.resnets.0"] = "input_blocks_4_0", ["down_blocks.1.resnets.1"] = "input_blocks_5_0",
        ["mid_block.resnets.0"] = "middle_block_0", ["mid_block.attentions.0"] = "middle_block_1", ["mid_block.resnets.1"] = "middle_block_2",
        ["up_blocks.0.resnets.0"] = "output_blocks_0_0", ["up_blocks.0.resnets.1"] = "output_blocks_1_0", ["up_blocks.0.resnets.2"] = "output_blocks_2_0",
        ["up_blocks.1.resnets.0"] = "output_blocks_3_0", ["up_blocks.1.resnets.1"] = "output_blocks_4_0", ["up_blocks.1.resnets.2"] = "output_blocks_5_0",
    };

    private static readonly Dictionary<string, Dictionary<string, string>> PerModel = new()
    {
        ["tiny-sd15"] = new()
        {
            ["down_blocks.0.attentions.0"] = "input_blocks_1_1", ["down_blocks.0.attentions.1"] = "input_blocks_2_1",
            ["up_blocks.0.upsamplers.0"] = "output_blocks_2_1",
            ["up_blocks.1.attentions.0"] = "output_blocks_3_1", ["up_blocks.1.attentions.1"] = "output_blocks_4_1", ["up_blocks.1.attentions.2"] = "output_blocks_5_1",
        },
        ["tiny-sdxl"] = new()
        {
            ["down_blocks.1.attentions.0"] = "input_blocks_4_1", ["down_blocks.1.attentions.1"] = "input_blocks_5_1",
            ["up_blocks.0.attentions.0"] = "output_blocks_0_1", ["up_blocks.0.attentions.1"] = "output_blocks_1_1", ["up_blocks.0.attentions.2"] = "output_blocks_2_1",
            ["up_blocks.0.upsamplers.0"] = "output_blocks_2_2",
        },
    };

    // Inside an LDM ResBlock and the samplers.
    private static readonly Dictionary<string, string> Inner = new()
    {
        ["conv1"] = "in_layers_2", ["conv2"] = "out_layers_3", ["time_emb_proj"] = "emb_layers_1", ["conv_shortcut"] = "skip_connection",
    };

    /// <summary>kohya's LDM-style name of a diffusers UNet layer path, e.g. <c>lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q</c>.</summary>
    public static string KohyaStem(string model, string path)
    {
        var table = Shared.Concat(PerModel[model]).ToDictionary();
        if (table.TryGetValue(path, out string? whole)) return "lora_unet_" + whole;
        string block = table.Keys.Where(k => path.StartsWith(k + ".", StringComparison.Ordinal)).MaxBy(k => k.Length)
            ?? throw new ArgumentException($"no LDM block for {path}");
        string rest = path[(block.Length + 1)..];
        string inner = block.Contains("downsamplers") ? (rest == "conv" ? "op" : throw new ArgumentException(rest))
            : block.Contains("upsamplers") ? rest
            : block.Contains("resnets") ? Inner[rest]
            : rest.Replace('.', '_');
        return $"lora_unet_{table[block]}_{inner}";
    }
}
