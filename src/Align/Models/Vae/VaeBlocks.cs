using Align.Models.Diffusers;
using Torch;
using Torch.NN;

namespace Align.Models.Vae;

/// <summary>diffusers' <c>DownEncoderBlock2D</c>: resnets without time embedding, then a stride-2 conv (padding 0, as the VAE uses).</summary>
public sealed class DownEncoderBlock2D : Module<Tensor, Tensor>
{
    public DownEncoderBlock2D(int layers, int inChannels, int outChannels, bool addDownsample, int groups, Func<Tensor, Tensor> act)
    {
        resnets = RegisterModule("resnets", new ModuleList<ResnetBlock2D>(Enumerable.Range(0, layers)
            .Select(j => new ResnetBlock2D(j == 0 ? inChannels : outChannels, outChannels, null, groups, 1e-6, act))));
        if (addDownsample) downsamplers = RegisterModule("downsamplers", new ModuleList<Downsample2D>(new Downsample2D(outChannels, outChannels, 0)));
    }

    public ModuleList<ResnetBlock2D> resnets { get; }
    public ModuleList<Downsample2D>? downsamplers { get; }

    public override Tensor Forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        Tensor h = input;
        foreach (ResnetBlock2D r in resnets) h = r.Forward(h, null);
        if (downsamplers is not null) h = downsamplers[0].Forward(h);
        return h.MoveToOuterScope();
    }
}

/// <summary>diffusers' <c>UpDecoderBlock2D</c>: resnets without time embedding, then nearest ×2 and a conv.</summary>
public sealed class UpDecoderBlock2D : Module<Tensor, Tensor>
{
    public UpDecoderBlock2D(int layers, int inChannels, int outChannels, bool addUpsample, int groups, Func<Tensor, Tensor> act)
    {
        resnets = RegisterModule("resnets", new ModuleList<ResnetBlock2D>(Enumerable.Range(0, layers)
            .Select(j => new ResnetBlock2D(j == 0 ? inChannels : outChannels, outChannels, null, groups, 1e-6, act))));
        if (addUpsample) upsamplers = RegisterModule("upsamplers", new ModuleList<Upsample2D>(new Upsample2D(outChannels, outChannels)));
    }

    public ModuleList<ResnetBlock2D> resnets { get; }
    public ModuleList<Upsample2D>? upsamplers { get; }

    public override Tensor Forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        Tensor h = input;
        foreach (ResnetBlock2D r in resnets) h = r.Forward(h, null);
        if (upsamplers is not null) h = upsamplers[0].Forward(h);
        return h.MoveToOuterScope();
    }
}

/// <summary>diffusers' <c>UNetMidBlock2D</c> as the VAE uses it: resnet, single-head spatial self-attention with residual, resnet.</summary>
public sealed class UNetMidBlock2D : Module<Tensor, Tensor>
{
    public UNetMidBlock2D(int channels, int groups, Func<Tensor, Tensor> act, bool addAttention)
    {
        resnets = RegisterModule("resnets", new ModuleList<ResnetBlock2D>(
            new ResnetBlock2D(channels, channels, null, groups, 1e-6, act), new ResnetBlock2D(channels, channels, null, groups, 1e-6, act)));
        if (addAttention)
            attentions = RegisterModule("attentions", new ModuleList<Attention>(new Attention(channels, heads: 1, dimHead: channels, bias: true,
                upcastSoftmax: true, normNumGroups: groups, eps: 1e-6, residualConnection: true)));
    }

    public ModuleList<ResnetBlock2D> resnets { get; }
    public ModuleList<Attention>? attentions { get; }

    public override Tensor Forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        Tensor h = resnets[0].Forward(input, null);
        if (attentions is not null) h = attentions[0].Forward(h);
        return resnets[1].Forward(h, null).MoveToOuterScope();
    }
}
