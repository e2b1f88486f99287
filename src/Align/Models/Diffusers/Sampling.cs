using Torch;
using Torch.NN;

namespace Align.Models.Diffusers;

/// <summary>diffusers' <c>Downsample2D</c> with a convolution (stride 2); padding 0 pads right/bottom by one first, as the VAE does.</summary>
public sealed class Downsample2D : Module<Tensor, Tensor>
{
    private readonly int _padding;

    public Downsample2D(int channels, int outChannels, int padding)
    {
        _padding = padding;
        conv = RegisterModule("conv", new Conv2d(channels, outChannels, 3, stride: 2, padding: padding));
    }

    public Conv2d conv { get; }

    public override Tensor Forward(Tensor input)
    {
        if (_padding != 0) return conv.Forward(input);
        using Tensor padded = F.Pad(input, [0, 1, 0, 1]);
        return conv.Forward(padded);
    }
}

/// <summary>diffusers' <c>Upsample2D</c> with a convolution: nearest ×2 (or to an explicit size) then 3×3 conv.</summary>
public sealed class Upsample2D : Module
{
    public Upsample2D(int channels, int outChannels)
    {
        conv = RegisterModule("conv", new Conv2d(channels, outChannels, 3, padding: 1));
    }

    public Conv2d conv { get; }

    public Tensor Forward(Tensor input, long[]? outputSize = null)
    {
        using Tensor up = outputSize is null ? F.Interpolate(input, scaleFactor: 2.0) : F.Interpolate(input, size: outputSize);
        return conv.Forward(up);
    }
}
