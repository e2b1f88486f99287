using Torch;
using Torch.NN;

namespace Align.Models.Vae;

/// <summary>diffusers' VAE <c>Encoder</c>: conv_in, down blocks, mid block, norm-act-conv to 2×latent channels (mean and log-variance).</summary>
public sealed class Encoder : Module<Tensor, Tensor>
{
    private readonly Func<Tensor, Tensor> _act;

    public Encoder(AutoencoderKLConfig c)
    {
        _act = Activations.Get(c.ActFn, c.Source);
        int[] ch = c.BlockOutChannels;
        conv_in = RegisterModule("conv_in", new Conv2d(c.InChannels, ch[0], 3, padding: 1));
        down_blocks = RegisterModule("down_blocks", new ModuleList<DownEncoderBlock2D>(Enumerable.Range(0, ch.Length)
            .Select(i => new DownEncoderBlock2D(c.LayersPerBlock, i == 0 ? ch[0] : ch[i - 1], ch[i], i < ch.Length - 1, c.NormNumGroups, _act))));
        mid_block = RegisterModule("mid_block", new UNetMidBlock2D(ch[^1], c.NormNumGroups, _act, c.MidBlockAddAttention));
        conv_norm_out = RegisterModule("conv_norm_out", new GroupNorm(c.NormNumGroups, ch[^1], 1e-6));
        conv_out = RegisterModule("conv_out", new Conv2d(ch[^1], 2 * c.LatentChannels, 3, padding: 1));
    }

    public Conv2d conv_in { get; }
    public ModuleList<DownEncoderBlock2D> down_blocks { get; }
    public UNetMidBlock2D mid_block { get; }
    public GroupNorm conv_norm_out { get; }
    public Conv2d conv_out { get; }

    public override Tensor Forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        Tensor h = conv_in.Forward(input);
        foreach (DownEncoderBlock2D block in down_blocks) h = block.Forward(h);
        h = mid_block.Forward(h);
        return conv_out.Forward(_act(conv_norm_out.Forward(h))).MoveToOuterScope();
    }
}

/// <summary>diffusers' VAE <c>Decoder</c>: conv_in, mid block, up blocks, norm-act-conv to image channels.</summary>
public sealed class Decoder : Module<Tensor, Tensor>
{
    private readonly Func<Tensor, Tensor> _act;

    public Decoder(AutoencoderKLConfig c)
    {
        _act = Activations.Get(c.ActFn, c.Source);
        int[] rev = c.BlockOutChannels.Reverse().ToArray();
        conv_in = RegisterModule("conv_in", new Conv2d(c.LatentChannels, rev[0], 3, padding: 1));
        mid_block = RegisterModule("mid_block", new UNetMidBlock2D(rev[0], c.NormNumGroups, _act, c.MidBlockAddAttention));
        up_blocks = RegisterModule("up_blocks", new ModuleList<UpDecoderBlock2D>(Enumerable.Range(0, rev.Length)
            .Select(i => new UpDecoderBlock2D(c.LayersPerBlock + 1, i == 0 ? rev[0] : rev[i - 1], rev[i], i < rev.Length - 1, c.NormNumGroups, _act))));
        conv_norm_out = RegisterModule("conv_norm_out", new GroupNorm(c.NormNumGroups, rev[^1], 1e-6));
        conv_out = RegisterModule("conv_out", new Conv2d(rev[^1], c.OutChannels, 3, padding: 1));
    }

    public Conv2d conv_in { get; }
    public UNetMidBlock2D mid_block { get; }
    public ModuleList<UpDecoderBlock2D> up_blocks { get; }
    public GroupNorm conv_norm_out { get; }
    public Conv2d conv_out { get; }

    public override Tensor Forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        Tensor h = mid_block.Forward(conv_in.Forward(input));
        foreach (UpDecoderBlock2D block in up_blocks) h = block.Forward(h);
        return conv_out.Forward(_act(conv_norm_out.Forward(h))).MoveToOuterScope();
    }
}
