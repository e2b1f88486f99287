using Torch;
using Torch.NN;

namespace Align.Models.Clip;

/// <summary>transformers' <c>CLIPVisionEmbeddings</c>: a class token, non-overlapping patch embeddings, learned positions.</summary>
public sealed class ClipVisionEmbeddings : Module<Tensor, Tensor>
{
    public ClipVisionEmbeddings(ClipVisionConfig c)
    {
        class_embedding = RegisterParameter("class_embedding", torch.Randn([c.HiddenSize]));
        patch_embedding = RegisterModule("patch_embedding", new Conv2d(c.NumChannels, c.HiddenSize, c.PatchSize, stride: c.PatchSize, bias: false));
        position_embedding = RegisterModule("position_embedding", new Embedding(c.NumPositions, c.HiddenSize));
        using Tensor positions = torch.Arange(c.NumPositions);
        position_ids = RegisterBuffer("position_ids", positions.Unsqueeze(0), persistent: false);
    }

    public Tensor class_embedding { get; }
    public Conv2d patch_embedding { get; }
    public Embedding position_embedding { get; }
    public Tensor position_ids { get; }

    /// <param name="input">normalised pixels [B, C, image_size, image_size]</param>
    public override Tensor Forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        long b = input.Size(0);
        Tensor patches = patch_embedding.Forward(input).Flatten(2).Transpose(1, 2);
        Tensor cls = class_embedding.Expand(b, 1, -1);
        Tensor embeddings = torch.Cat([cls, patches], 1) + position_embedding.Forward(position_ids);
        return embeddings.MoveToOuterScope();
    }
}

/// <summary>transformers' <c>CLIPVisionTransformer</c>: embeddings, pre-norm, encoder, post-norm of the class token.</summary>
public sealed class ClipVisionTransformer : Module
{
    public ClipVisionTransformer(ClipVisionConfig c)
    {
        var act = Activations.Get(c.HiddenAct, c.Source);
        embeddings = RegisterModule("embeddings", new ClipVisionEmbeddings(c));
        pre_layrnorm = RegisterModule("pre_layrnorm", new LayerNorm(c.HiddenSize, c.LayerNormEps));
        encoder = RegisterModule("encoder", new ClipEncoder(c.NumHiddenLayers, c.HiddenSize, c.IntermediateSize, c.NumAttentionHeads, c.LayerNormEps, act));
        post_layernorm = RegisterModule("post_layernorm", new LayerNorm(c.HiddenSize, c.LayerNormEps));
    }

    public ClipVisionEmbeddings embeddings { get; }
    // (sic) transformers' own spelling, so the checkpoint keys load as they are.
    public LayerNorm pre_layrnorm { get; }
    public ClipEncoder encoder { get; }
    public LayerNorm post_layernorm { get; }

    /// <returns>the last hidden state [B, 1 + patches, C] and the pooled (post-normed class token) output [B, C]</returns>
    public (Tensor LastHiddenState, Tensor Pooled) Forward(Tensor pixelValues)
    {
        using var scope = torch.NewDisposeScope();
        Tensor h = pre_layrnorm.Forward(embeddings.Forward(pixelValues));
        Tensor last = encoder.Forward(h, null)[^1];
        Tensor pooled = post_layernorm.Forward(last.Select(1, 0));
        return (last.MoveToOuterScope(), pooled.MoveToOuterScope());
    }
}
