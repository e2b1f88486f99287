using System.Text.Json.Serialization;
using Align.Models;
using Align.Models.Diffusers;
using Torch;
using Torch.NN;

namespace Align.Rewards;

/// <summary>The <c>itm_head/config.json</c> of an <see cref="ImageTextMatchingReward"/>.</summary>
public sealed record ImageTextMatchingConfig
{
    /// <summary>Width of the text tokens (the text tower's hidden size): the queries.</summary>
    public int HiddenSize { get; init; }

    /// <summary>Width of the image tokens (the vision tower's hidden size): the keys and values.</summary>
    public int ContextSize { get; init; }

    public int NumLayers { get; init; } = 2;
    public int NumAttentionHeads { get; init; } = 4;

    [JsonIgnore]
    public string Source { get; init; } = "itm_head/config.json";
}

/// <summary>
/// An image-text matching head (BLIP's ITM head, Li et al. 2022, §3.1, which ImageReward fine-tunes into a reward): the
/// prompt's tokens attend to the image's patch tokens through <see cref="BasicTransformerBlock"/>s, their mean over the
/// real tokens is classified as match or not. Unlike a CLIP score, which compares two pooled vectors, each word can look
/// at where things are in the image, so a judgement can depend on layout ("left of") and on which colour sits on which shape.
/// The blocks cross-attend only (no self-attention between text tokens): the causal text tower has already put each word
/// in its context, and padding then cannot change a prompt's score.
/// </summary>
public sealed class ImageTextMatchingHead : Module
{
    public ImageTextMatchingHead(ImageTextMatchingConfig config)
    {
        if (config.HiddenSize <= 0 || config.ContextSize <= 0 || config.NumLayers <= 0 || config.NumAttentionHeads <= 0 ||
            config.HiddenSize % config.NumAttentionHeads != 0)
            throw new ModelLoadException($"{config.Source}: hidden_size, context_size, num_layers and num_attention_heads must be positive " +
                                         $"and hidden_size a multiple of num_attention_heads (got {config})");
        Config = config;
        int headDim = config.HiddenSize / config.NumAttentionHeads;
        blocks = RegisterModule("blocks", new ModuleList<BasicTransformerBlock>(Enumerable.Range(0, config.NumLayers).Select(_ =>
            new BasicTransformerBlock(config.HiddenSize, config.NumAttentionHeads, headDim, config.ContextSize, onlyCrossAttention: true,
                upcastAttention: false, config.Source))));
        norm = RegisterModule("norm", new LayerNorm(config.HiddenSize));
        classifier = RegisterModule("classifier", new Linear(config.HiddenSize, 1));
    }

    public ImageTextMatchingConfig Config { get; }
    public ModuleList<BasicTransformerBlock> blocks { get; }
    public LayerNorm norm { get; }
    public Linear classifier { get; }

    public static ImageTextMatchingHead FromPretrained(string directory) =>
        Pretrained.Load(directory, "model", d =>
        {
            string path = Path.Combine(d, "config.json");
            return new ImageTextMatchingHead(ConfigFile.Read<ImageTextMatchingConfig>(path) with { Source = path });
        });

    public void SavePretrained(string directory) => Pretrained.Save(this, directory, "model", path => ConfigFile.Write(path, Config));

    /// <param name="text">the text tower's last hidden state [B, T, hidden_size]</param>
    /// <param name="mask">[B, T], 1 for the prompt's tokens and 0 for padding</param>
    /// <param name="image">the vision tower's tokens [B, N, context_size]</param>
    /// <returns>[B] match logits</returns>
    public Tensor Forward(Tensor text, Tensor mask, Tensor image)
    {
        using var scope = torch.NewDisposeScope();
        Tensor h = text;
        foreach (BasicTransformerBlock block in blocks) h = block.Forward(h, image);
        Tensor weights = mask.To(h.DType).Unsqueeze(-1);
        Tensor pooled = (h * weights).Sum(1) / weights.Sum(1);
        return classifier.Forward(norm.Forward(pooled)).Squeeze(-1).MoveToOuterScope();
    }
}
