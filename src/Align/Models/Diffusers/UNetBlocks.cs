using Torch;
using Torch.NN;

namespace Align.Models.Diffusers;

/// <summary>What a UNet down block needs to build its layers; one per block, from the UNet config.</summary>
public sealed record BlockSpec(
    int Layers, int InChannels, int OutChannels, int TembChannels, bool AddSampler, double Eps, Func<Tensor, Tensor> Act, int Groups,
    int Heads, int TransformerLayers, int CrossAttentionDim, bool UseLinearProjection, bool OnlyCrossAttention, bool UpcastAttention,
    int DownsamplePadding, string Source, int PrevOutputChannels = 0);

/// <summary>A UNet down block: returns its output and the skip connections it adds (the caller owns all).</summary>
public abstract class UNetDownBlock : Module
{
    public abstract (Tensor Output, List<Tensor> Skips) Forward(Tensor hidden, Tensor temb, Tensor? context);
}

/// <summary>A UNet up block: consumes as many skip connections as it has resnets, last first.</summary>
public abstract class UNetUpBlock : Module
{
    public abstract int SkipCount { get; }
    public abstract Tensor Forward(Tensor hidden, IReadOnlyList<Tensor> skips, Tensor temb, Tensor? context, long[]? upsampleSize);
}

/// <summary>diffusers' <c>DownBlock2D</c> and <c>CrossAttnDownBlock2D</c> (the latter when built with attention).</summary>
public sealed class DownBlock2D : UNetDownBlock
{
    public DownBlock2D(BlockSpec s, bool withAttention)
    {
        resnets = RegisterModule("resnets", new ModuleList<ResnetBlock2D>(Enumerable.Range(0, s.Layers)
            .Select(i => new ResnetBlock2D(i == 0 ? s.InChannels : s.OutChannels, s.OutChannels, s.TembChannels, s.Groups, s.Eps, s.Act))));
        if (withAttention)
            attentions = RegisterModule("attentions", new ModuleList<Transformer2DModel>(Enumerable.Range(0, s.Layers)
                .Select(_ => new Transformer2DModel(s.Heads, s.OutChannels / s.Heads, s.OutChannels, s.TransformerLayers, s.CrossAttentionDim,
                    s.Groups, s.UseLinearProjection, s.OnlyCrossAttention, s.UpcastAttention, s.Source))));
        if (s.AddSampler)
            downsamplers = RegisterModule("downsamplers", new ModuleList<Downsample2D>(new Downsample2D(s.OutChannels, s.OutChannels, s.DownsamplePadding)));
    }

    public ModuleList<ResnetBlock2D> resnets { get; }
    public ModuleList<Transformer2DModel>? attentions { get; }
    public ModuleList<Downsample2D>? downsamplers { get; }

    public override (Tensor Output, List<Tensor> Skips) Forward(Tensor hidden, Tensor temb, Tensor? context)
    {
        var skips = new List<Tensor>();
        Tensor h = hidden;
        for (int i = 0; i < resnets.Count; i++)
        {
            h = resnets[i].Forward(h, temb);
            if (attentions is not null)
            {
                Tensor attended = attentions[i].Forward(h, context);
                h.Dispose();
                h = attended;
            }
            skips.Add(h);
        }
        if (downsamplers is not null)
        {
            h = downsamplers[0].Forward(h);
            skips.Add(h);
        }
        return (h, skips);
    }
}

/// <summary>diffusers' <c>UpBlock2D</c> and <c>CrossAttnUpBlock2D</c> (the latter when built with attention).</summary>
public sealed class UpBlock2D : UNetUpBlock
{
    public UpBlock2D(BlockSpec s, bool withAttention)
    {
        // Resnet j sees the previous output (j = 0) or its own, concatenated with the matching skip connection.
        resnets = RegisterModule("resnets", new ModuleList<ResnetBlock2D>(Enumerable.Range(0, s.Layers).Select(j =>
        {
            int skipChannels = j == s.Layers - 1 ? s.InChannels : s.OutChannels;
            int resnetIn = j == 0 ? s.PrevOutputChannels : s.OutChannels;
            return new ResnetBlock2D(resnetIn + skipChannels, s.OutChannels, s.TembChannels, s.Groups, s.Eps, s.Act);
        })));
        if (withAttention)
            attentions = RegisterModule("attentions", new ModuleList<Transformer2DModel>(Enumerable.Range(0, s.Layers)
                .Select(_ => new Transformer2DModel(s.Heads, s.OutChannels / s.Heads, s.OutChannels, s.TransformerLayers, s.CrossAttentionDim,
                    s.Groups, s.UseLinearProjection, s.OnlyCrossAttention, s.UpcastAttention, s.Source))));
        if (s.AddSampler) upsamplers = RegisterModule("upsamplers", new ModuleList<Upsample2D>(new Upsample2D(s.OutChannels, s.OutChannels)));
    }

    public ModuleList<ResnetBlock2D> resnets { get; }
    public ModuleList<Transformer2DModel>? attentions { get; }
    public ModuleList<Upsample2D>? upsamplers { get; }

    public override int SkipCount => resnets.Count;

    public override Tensor Forward(Tensor hidden, IReadOnlyList<Tensor> skips, Tensor temb, Tensor? context, long[]? upsampleSize)
    {
        using var scope = torch.NewDisposeScope();
        Tensor h = hidden;
        for (int i = 0; i < resnets.Count; i++)
        {
            h = resnets[i].Forward(torch.Cat([h, skips[skips.Count - 1 - i]], 1), temb);
            if (attentions is not null) h = attentions[i].Forward(h, context);
        }
        if (upsamplers is not null) h = upsamplers[0].Forward(h, upsampleSize);
        return h.MoveToOuterScope();
    }
}

/// <summary>diffusers' <c>UNetMidBlock2DCrossAttn</c>: resnet, then (attention, resnet) per layer.</summary>
public sealed class UNetMidBlock2DCrossAttn : Module
{
    public UNetMidBlock2DCrossAttn(BlockSpec s, double outputScaleFactor)
    {
        resnets = RegisterModule("resnets", new ModuleList<ResnetBlock2D>(Enumerable.Range(0, s.Layers + 1)
            .Select(_ => new ResnetBlock2D(s.InChannels, s.InChannels, s.TembChannels, s.Groups, s.Eps, s.Act, outputScaleFactor))));
        attentions = RegisterModule("attentions", new ModuleList<Transformer2DModel>(Enumerable.Range(0, s.Layers)
            .Select(_ => new Transformer2DModel(s.Heads, s.InChannels / s.Heads, s.InChannels, s.TransformerLayers, s.CrossAttentionDim,
                s.Groups, s.UseLinearProjection, false, s.UpcastAttention, s.Source))));
    }

    public ModuleList<ResnetBlock2D> resnets { get; }
    public ModuleList<Transformer2DModel> attentions { get; }

    public Tensor Forward(Tensor hidden, Tensor temb, Tensor? context)
    {
        using var scope = torch.NewDisposeScope();
        Tensor h = resnets[0].Forward(hidden, temb);
        for (int i = 0; i < attentions.Count; i++)
            h = resnets[i + 1].Forward(attentions[i].Forward(h, context), temb);
        return h.MoveToOuterScope();
    }
}
