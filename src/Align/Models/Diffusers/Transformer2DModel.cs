using Torch;
using Torch.NN;

namespace Align.Models.Diffusers;

/// <summary>diffusers' <c>Transformer2DModel</c> for continuous inputs: group norm, projection in (1×1 conv or linear), transformer blocks, projection out, residual.</summary>
public sealed class Transformer2DModel : Module
{
    private readonly bool _linearProjection;

    public Transformer2DModel(int heads, int headDim, int inChannels, int layers, int? crossAttentionDim, int normGroups,
        bool useLinearProjection, bool onlyCrossAttention, bool upcastAttention, string source)
    {
        _linearProjection = useLinearProjection;
        int inner = heads * headDim;
        norm = RegisterModule("norm", new GroupNorm(normGroups, inChannels, 1e-6));
        proj_in = RegisterModule<Module<Tensor, Tensor>>("proj_in", useLinearProjection ? new Linear(inChannels, inner) : new Conv2d(inChannels, inner, 1));
        transformer_blocks = RegisterModule("transformer_blocks", new ModuleList<BasicTransformerBlock>(Enumerable.Range(0, layers)
            .Select(_ => new BasicTransformerBlock(inner, heads, headDim, crossAttentionDim, onlyCrossAttention, upcastAttention, source))));
        proj_out = RegisterModule<Module<Tensor, Tensor>>("proj_out", useLinearProjection ? new Linear(inner, inChannels) : new Conv2d(inner, inChannels, 1));
    }

    public GroupNorm norm { get; }
    public Module<Tensor, Tensor> proj_in { get; }
    public ModuleList<BasicTransformerBlock> transformer_blocks { get; }
    public Module<Tensor, Tensor> proj_out { get; }

    public Tensor Forward(Tensor input, Tensor? context)
    {
        using var scope = torch.NewDisposeScope();
        long b = input.Size(0), h = input.Size(2), w = input.Size(3);
        Tensor x = norm.Forward(input);
        if (_linearProjection)
            x = proj_in.Forward(x.Permute(0, 2, 3, 1).Reshape(b, h * w, x.Size(1)));
        else
        {
            x = proj_in.Forward(x);
            x = x.Permute(0, 2, 3, 1).Reshape(b, h * w, x.Size(1));
        }
        foreach (BasicTransformerBlock block in transformer_blocks) x = block.Forward(x, context);
        if (_linearProjection)
            x = proj_out.Forward(x).Reshape(b, h, w, input.Size(1)).Permute(0, 3, 1, 2).Contiguous();
        else
            x = proj_out.Forward(x.Reshape(b, h, w, x.Size(2)).Permute(0, 3, 1, 2).Contiguous());
        return (x + input).MoveToOuterScope();
    }
}
