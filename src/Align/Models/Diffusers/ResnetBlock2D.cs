using Torch;
using Torch.NN;

namespace Align.Models.Diffusers;

/// <summary>diffusers' <c>ResnetBlock2D</c> (time_embedding_norm "default"): two norm-act-conv stages, the time embedding added between, a 1×1 shortcut when channels change.</summary>
public sealed class ResnetBlock2D : Module
{
    private readonly Func<Tensor, Tensor> _act;
    private readonly double _outputScaleFactor;

    public ResnetBlock2D(int inChannels, int outChannels, int? tembChannels, int groups, double eps, Func<Tensor, Tensor> act,
        double outputScaleFactor = 1.0, int? groupsOut = null)
    {
        _act = act;
        _outputScaleFactor = outputScaleFactor;
        norm1 = RegisterModule("norm1", new GroupNorm(groups, inChannels, eps));
        conv1 = RegisterModule("conv1", new Conv2d(inChannels, outChannels, 3, padding: 1));
        if (tembChannels is int t) time_emb_proj = RegisterModule("time_emb_proj", new Linear(t, outChannels));
        norm2 = RegisterModule("norm2", new GroupNorm(groupsOut ?? groups, outChannels, eps));
        conv2 = RegisterModule("conv2", new Conv2d(outChannels, outChannels, 3, padding: 1));
        if (inChannels != outChannels) conv_shortcut = RegisterModule("conv_shortcut", new Conv2d(inChannels, outChannels, 1));
    }

    public GroupNorm norm1 { get; }
    public Conv2d conv1 { get; }
    public Linear? time_emb_proj { get; }
    public GroupNorm norm2 { get; }
    public Conv2d conv2 { get; }
    public Conv2d? conv_shortcut { get; }

    public Tensor Forward(Tensor input, Tensor? temb)
    {
        using var scope = torch.NewDisposeScope();
        Tensor h = conv1.Forward(_act(norm1.Forward(input)));
        if (temb is not null && time_emb_proj is not null)
        {
            Tensor t = time_emb_proj.Forward(_act(temb));
            h = h + t.Unsqueeze(-1).Unsqueeze(-1);
        }
        h = conv2.Forward(_act(norm2.Forward(h)));
        Tensor shortcut = conv_shortcut?.Forward(input) ?? input;
        Tensor output = shortcut + h;
        if (_outputScaleFactor != 1.0) output = output / _outputScaleFactor;
        return output.MoveToOuterScope();
    }
}
