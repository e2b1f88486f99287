using Align.Models.Diffusers;

namespace Align.Adapters.Formats;

/// <summary>
/// Maps the original Stable Diffusion (LDM / SGM) UNet layout that kohya files for SDXL use (<c>input_blocks_4_1_…</c>,
/// <c>middle_block_1_…</c>, <c>output_blocks_2_2_conv</c>) onto diffusers' paths (<c>down_blocks_1_attentions_0_…</c>),
/// as diffusers' checkpoint conversion does, with the block layout taken from the UNet config: input block 0 is conv_in;
/// then per down level, one input block per layer (resnet, attention when the level has cross-attention) and one for the
/// downsampler except at the last level; the middle block alternates resnets and attentions; per up level, one output
/// block per layer (resnet, attention, and the upsampler in the level's last block).
/// </summary>
internal sealed class LdmUNetNames
{
    private enum Kind { Whole, Resnet, Transformer, Downsampler, Upsampler }

    // Names inside an LDM ResBlock and sampler, and their diffusers counterparts.
    private static readonly Dictionary<string, string> ResnetNames = new(StringComparer.Ordinal)
    {
        ["in_layers_0"] = "norm1", ["in_layers_2"] = "conv1", ["emb_layers_1"] = "time_emb_proj",
        ["out_layers_0"] = "norm2", ["out_layers_3"] = "conv2", ["skip_connection"] = "conv_shortcut",
    };

    private readonly Dictionary<string, (string Path, Kind Kind)> _blocks = new(StringComparer.Ordinal);

    public LdmUNetNames(UNet2DConditionConfig config)
    {
        int n = config.BlockCount;
        int[] layers = config.LayersPerBlockList;
        Add("time_embed_0", "time_embedding.linear_1", Kind.Whole);
        Add("time_embed_2", "time_embedding.linear_2", Kind.Whole);
        Add("label_emb_0_0", "add_embedding.linear_1", Kind.Whole);
        Add("label_emb_0_2", "add_embedding.linear_2", Kind.Whole);
        Add("out_0", "conv_norm_out", Kind.Whole);
        Add("out_2", "conv_out", Kind.Whole);
        Add("input_blocks_0_0", "conv_in", Kind.Whole);

        int block = 1;
        for (int i = 0; i < n; i++)
        {
            bool attention = config.DownBlockTypes[i] == "CrossAttnDownBlock2D";
            for (int j = 0; j < layers[i]; j++, block++)
            {
                Add($"input_blocks_{block}_0", $"down_blocks.{i}.resnets.{j}", Kind.Resnet);
                if (attention) Add($"input_blocks_{block}_1", $"down_blocks.{i}.attentions.{j}", Kind.Transformer);
            }
            if (i < n - 1) Add($"input_blocks_{block++}_0", $"down_blocks.{i}.downsamplers.0", Kind.Downsampler);
        }

        // diffusers' UNetMidBlock2DCrossAttn has one attention layer: resnet, attention, resnet.
        Add("middle_block_0", "mid_block.resnets.0", Kind.Resnet);
        Add("middle_block_1", "mid_block.attentions.0", Kind.Transformer);
        Add("middle_block_2", "mid_block.resnets.1", Kind.Resnet);

        int[] reversed = layers.Reverse().ToArray();
        block = 0;
        for (int i = 0; i < n; i++)
        {
            bool attention = config.UpBlockTypes[i] == "CrossAttnUpBlock2D";
            int count = reversed[i] + 1;
            for (int j = 0; j < count; j++, block++)
            {
                Add($"output_blocks_{block}_0", $"up_blocks.{i}.resnets.{j}", Kind.Resnet);
                int m = 1;
                if (attention) Add($"output_blocks_{block}_{m++}", $"up_blocks.{i}.attentions.{j}", Kind.Transformer);
                if (i < n - 1 && j == count - 1) Add($"output_blocks_{block}_{m}", $"up_blocks.{i}.upsamplers.0", Kind.Upsampler);
            }
        }
    }

    private void Add(string ldm, string diffusers, Kind kind) => _blocks[ldm] = (diffusers, kind);

    /// <summary>
    /// The underscored diffusers name of an underscored LDM layer name (<c>input_blocks_4_1_transformer_blocks_0_attn1_to_q</c>
    /// → <c>down_blocks_1_attentions_0_transformer_blocks_0_attn1_to_q</c>), or null if it names no block of this UNet.
    /// </summary>
    public string? ToDiffusers(string ldm)
    {
        foreach ((string prefix, (string path, Kind kind)) in _blocks)
        {
            if (!ldm.StartsWith(prefix, StringComparison.Ordinal)) continue;
            if (ldm.Length == prefix.Length) return kind == Kind.Whole ? Flat(path) : null;
            if (ldm[prefix.Length] != '_') continue;
            string? inner = Inner(kind, ldm[(prefix.Length + 1)..]);
            return inner is null ? null : Flat(path) + "_" + inner;
        }
        return null;
    }

    private static string? Inner(Kind kind, string rest) => kind switch
    {
        Kind.Resnet => ResnetNames.GetValueOrDefault(rest),
        Kind.Transformer => rest,
        Kind.Downsampler => rest == "op" ? "conv" : null,
        Kind.Upsampler => rest == "conv" ? "conv" : null,
        _ => null,
    };

    private static string Flat(string path) => path.Replace('.', '_');

    /// <summary>Whether a name is in the LDM layout at all (rather than diffusers' underscored paths).</summary>
    public static bool LooksLdm(string name) =>
        name.StartsWith("input_blocks_", StringComparison.Ordinal) || name.StartsWith("middle_block_", StringComparison.Ordinal)
        || name.StartsWith("output_blocks_", StringComparison.Ordinal) || name.StartsWith("time_embed_", StringComparison.Ordinal)
        || name.StartsWith("label_emb_", StringComparison.Ordinal) || name.StartsWith("out_", StringComparison.Ordinal);
}
