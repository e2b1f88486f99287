using Torch;
using Torch.NN;

namespace Align.Models.Clip;

/// <summary>transformers' <c>CLIPTextEmbeddings</c>: token plus learned position embeddings.</summary>
public sealed class ClipTextEmbeddings : Module<Tensor, Tensor>
{
    public ClipTextEmbeddings(ClipTextConfig config)
    {
        token_embedding = RegisterModule("token_embedding", new Embedding(config.VocabSize, config.HiddenSize));
        position_embedding = RegisterModule("position_embedding", new Embedding(config.MaxPositionEmbeddings, config.HiddenSize));
        using Tensor positions = torch.Arange(config.MaxPositionEmbeddings);
        position_ids = RegisterBuffer("position_ids", positions.Unsqueeze(0), persistent: false);
    }

    public Embedding token_embedding { get; }
    public Embedding position_embedding { get; }
    public Tensor position_ids { get; }

    /// <param name="input">token ids [B, T]</param>
    public override Tensor Forward(Tensor input)
    {
        long t = input.Size(-1);
        using Tensor tokens = token_embedding.Forward(input);
        using Tensor ids = position_ids.Slice(1, 0, t);
        using Tensor positions = position_embedding.Forward(ids);
        return tokens + positions;
    }
}
