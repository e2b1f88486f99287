using Align.Models.Diffusers;
using Torch;
using Torch.NN;

namespace Align.Models.Vae;

/// <summary>The diagonal Gaussian the encoder predicts (diffusers' <c>DiagonalGaussianDistribution</c>); the caller owns its tensors.</summary>
public sealed record LatentDistribution(Tensor Mean, Tensor LogVar, Tensor Std)
{
    /// <summary>mean + std·ε with ε drawn from <paramref name="generator"/>.</summary>
    public Tensor Sample(Generator? generator = null)
    {
        using Tensor noise = torch.Randn(Mean.Shape, generator, Mean.DType, Mean.Device);
        using Tensor scaled = Std * noise;
        return Mean + scaled;
    }
}

/// <summary>diffusers' <c>AutoencoderKL</c>: images in [-1, 1] ↔ (unscaled) latents.</summary>
public sealed class AutoencoderKL : Module
{
    public AutoencoderKL(AutoencoderKLConfig config)
    {
        Config = config;
        encoder = RegisterModule("encoder", new Encoder(config));
        decoder = RegisterModule("decoder", new Decoder(config));
        int z = config.LatentChannels;
        if (config.UseQuantConv) quant_conv = RegisterModule("quant_conv", new Conv2d(2 * z, 2 * z, 1));
        if (config.UsePostQuantConv) post_quant_conv = RegisterModule("post_quant_conv", new Conv2d(z, z, 1));
    }

    public AutoencoderKLConfig Config { get; }
    public Encoder encoder { get; }
    public Decoder decoder { get; }
    public Conv2d? quant_conv { get; }
    public Conv2d? post_quant_conv { get; }

    /// <summary>Loads a diffusers <c>vae/</c> directory; checkpoints with the pre-0.14 attention names (query/key/value/proj_attn) are mapped as diffusers maps them.</summary>
    public static AutoencoderKL FromPretrained(string directory) =>
        Pretrained.Load(directory, "diffusion_pytorch_model", d => new AutoencoderKL(AutoencoderKLConfig.Load(Path.Combine(d, "config.json"))),
            renameKey: DeprecatedAttentionNames.Rename);

    /// <summary>Writes a diffusers <c>vae/</c> directory that <see cref="FromPretrained"/> (and diffusers) read back.</summary>
    /// <param name="config">the config to write, when it differs from the one built with (e.g. a scaling factor measured after training)</param>
    public void SavePretrained(string directory, DType? dtype = null, AutoencoderKLConfig? config = null) =>
        Pretrained.Save(this, directory, "diffusion_pytorch_model", path => ConfigFile.Write(path, config ?? Config, DiffusersConfig.Header("AutoencoderKL")), dtype);

    public LatentDistribution Encode(Tensor image)
    {
        using var scope = torch.NewDisposeScope();
        Tensor moments = encoder.Forward(image);
        if (quant_conv is not null) moments = quant_conv.Forward(moments);
        Tensor[] parts = moments.Chunk(2, 1);
        Tensor logvar = parts[1].Clamp(-30.0, 20.0);
        Tensor std = (logvar * 0.5).Exp();
        return new LatentDistribution(parts[0].MoveToOuterScope(), logvar.MoveToOuterScope(), std.MoveToOuterScope());
    }

    /// <summary>Decodes unscaled latents (already divided by the scaling factor) to an image in about [-1, 1].</summary>
    public Tensor Decode(Tensor latents)
    {
        using var scope = torch.NewDisposeScope();
        Tensor z = post_quant_conv?.Forward(latents) ?? latents;
        return decoder.Forward(z).MoveToOuterScope();
    }
}
