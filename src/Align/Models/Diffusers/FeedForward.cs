using Torch;
using Torch.NN;

namespace Align.Models.Diffusers;

/// <summary>diffusers' <c>GEGLU</c>: a projection to twice the width, half of it gating the other through GELU.</summary>
public sealed class GEGLU : Module<Tensor, Tensor>
{
    public GEGLU(int dimIn, int dimOut)
    {
        proj = RegisterModule("proj", new Linear(dimIn, dimOut * 2));
    }

    public Linear proj { get; }

    public override Tensor Forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        Tensor[] parts = proj.Forward(input).Chunk(2, -1);
        return (parts[0] * F.Gelu(parts[1])).MoveToOuterScope();
    }
}

/// <summary>diffusers' <c>GELU</c> activation module: a projection followed by GELU (exact or tanh).</summary>
public sealed class GeluProjection : Module<Tensor, Tensor>
{
    private readonly string _approximate;

    public GeluProjection(int dimIn, int dimOut, string approximate)
    {
        _approximate = approximate;
        proj = RegisterModule("proj", new Linear(dimIn, dimOut));
    }

    public Linear proj { get; }

    public override Tensor Forward(Tensor input)
    {
        using Tensor h = proj.Forward(input);
        return F.Gelu(h, _approximate);
    }
}

/// <summary>diffusers' <c>FeedForward</c>: net = [activation projection, dropout, linear].</summary>
public sealed class FeedForward : Module<Tensor, Tensor>
{
    public FeedForward(int dim, string activationFn, string source, int mult = 4)
    {
        int inner = dim * mult;
        Module<Tensor, Tensor> act = activationFn switch
        {
            "geglu" => new GEGLU(dim, inner),
            "gelu" => new GeluProjection(dim, inner, "none"),
            "gelu-approximate" => new GeluProjection(dim, inner, "tanh"),
            _ => throw new ModelLoadException($"{source}: unsupported feed-forward activation '{activationFn}' (supported: geglu, gelu, gelu-approximate)"),
        };
        net = RegisterModule("net", new Sequential(act, new Dropout(0), new Linear(inner, dim)));
    }

    public Sequential net { get; }

    public override Tensor Forward(Tensor input) => net.Forward(input);
}
