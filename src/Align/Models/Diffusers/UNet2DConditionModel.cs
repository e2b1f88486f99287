using Torch;
using Torch.NN;

namespace Align.Models.Diffusers;

/// <summary>SDXL's extra conditioning (<c>added_cond_kwargs</c>): pooled text embeddings and the size/crop time ids.</summary>
public sealed record AddedConditions(Tensor TextEmbeds, Tensor TimeIds);

/// <summary>
/// diffusers' <c>UNet2DConditionModel</c> (SD 1.x, SD 2.x, SDXL shapes): submodule names as in diffusers, so the
/// checkpoint's state-dict keys load 1:1. Everything architectural comes from the config.
/// </summary>
public sealed class UNet2DConditionModel : Module
{
    private readonly int _numUpsamplers;

    public UNet2DConditionModel(UNet2DConditionConfig config)
    {
        Config = config;
        Func<Tensor, Tensor> act = Activations.Get(config.ActFn, config.Source);
        int[] channels = config.BlockOutChannels, heads = config.HeadsPerBlock, layers = config.LayersPerBlockList;
        int[] crossDims = config.CrossAttentionDimPerBlock, tLayers = config.TransformerLayersPerBlockList;
        bool[] onlyCross = config.OnlyCrossAttentionPerBlock;
        int n = channels.Length, tembDim = config.TimeEmbedDim;

        conv_in = RegisterModule("conv_in", new Conv2d(config.InChannels, channels[0], config.ConvInKernel, padding: (config.ConvInKernel - 1) / 2));
        time_proj = RegisterModule("time_proj", new Timesteps(channels[0], config.FlipSinToCos, config.FreqShift));
        time_embedding = RegisterModule("time_embedding", new TimestepEmbedding(channels[0], tembDim, config.ActFn, config.Source,
            postActFn: config.TimestepPostAct, condProjDim: config.TimeCondProjDim));
        if (config.AdditionEmbedType == "text_time")
        {
            add_time_proj = RegisterModule("add_time_proj", new Timesteps(config.AdditionTimeEmbedDim!.Value, config.FlipSinToCos, config.FreqShift));
            add_embedding = RegisterModule("add_embedding", new TimestepEmbedding(config.ProjectionClassEmbeddingsInputDim!.Value, tembDim, config.ActFn, config.Source));
        }

        down_blocks = RegisterModule("down_blocks", new ModuleList<UNetDownBlock>());
        int output = channels[0];
        for (int i = 0; i < n; i++)
        {
            int input = output;
            output = channels[i];
            var spec = new BlockSpec(layers[i], input, output, tembDim, i < n - 1, config.NormEps, act, config.Groups, heads[i], tLayers[i],
                crossDims[i], config.UseLinearProjection, onlyCross[i], config.UpcastAttention, config.DownsamplePadding, config.Source);
            down_blocks.Add(new DownBlock2D(spec, config.DownBlockTypes[i] == "CrossAttnDownBlock2D"));
        }

        mid_block = RegisterModule("mid_block", new UNetMidBlock2DCrossAttn(new BlockSpec(1, channels[^1], channels[^1], tembDim, false,
            config.NormEps, act, config.Groups, heads[^1], tLayers[^1], crossDims[^1], config.UseLinearProjection, false,
            config.UpcastAttention, config.DownsamplePadding, config.Source), config.MidBlockScaleFactor));

        int[] rChannels = channels.Reverse().ToArray(), rHeads = heads.Reverse().ToArray(), rLayers = layers.Reverse().ToArray();
        int[] rCross = crossDims.Reverse().ToArray();
        int[] rTLayers = config.ReverseTransformerLayersPerBlock is null ? tLayers.Reverse().ToArray()
            : config.ReverseTransformerLayersPerBlock.Value.EnumerateArray().Select(e => e.GetInt32()).ToArray();
        bool[] rOnlyCross = onlyCross.Reverse().ToArray();
        up_blocks = RegisterModule("up_blocks", new ModuleList<UNetUpBlock>());
        output = rChannels[0];
        for (int i = 0; i < n; i++)
        {
            int prev = output;
            output = rChannels[i];
            int input = rChannels[Math.Min(i + 1, n - 1)];
            bool final = i == n - 1;
            if (!final) _numUpsamplers++;
            var spec = new BlockSpec(rLayers[i] + 1, input, output, tembDim, !final, config.NormEps, act, config.Groups, rHeads[i], rTLayers[i],
                rCross[i], config.UseLinearProjection, rOnlyCross[i], config.UpcastAttention, config.DownsamplePadding, config.Source, prev);
            up_blocks.Add(new UpBlock2D(spec, config.UpBlockTypes[i] == "CrossAttnUpBlock2D"));
        }

        conv_norm_out = RegisterModule("conv_norm_out", new GroupNorm(config.Groups, channels[0], config.NormEps));
        conv_out = RegisterModule("conv_out", new Conv2d(channels[0], config.OutChannels, config.ConvOutKernel, padding: (config.ConvOutKernel - 1) / 2));
        _act = act;
    }

    private readonly Func<Tensor, Tensor> _act;

    public UNet2DConditionConfig Config { get; }
    public Conv2d conv_in { get; }
    public Timesteps time_proj { get; }
    public TimestepEmbedding time_embedding { get; }
    public Timesteps? add_time_proj { get; }
    public TimestepEmbedding? add_embedding { get; }
    public ModuleList<UNetDownBlock> down_blocks { get; }
    public UNetMidBlock2DCrossAttn mid_block { get; }
    public ModuleList<UNetUpBlock> up_blocks { get; }
    public GroupNorm conv_norm_out { get; }
    public Conv2d conv_out { get; }

    /// <summary>Loads a diffusers <c>unet/</c> directory (<c>config.json</c>, <c>diffusion_pytorch_model.safetensors</c>).</summary>
    public static UNet2DConditionModel FromPretrained(string directory) =>
        Pretrained.Load(directory, "diffusion_pytorch_model", d => new UNet2DConditionModel(UNet2DConditionConfig.Load(Path.Combine(d, "config.json"))));

    /// <summary>Writes a diffusers <c>unet/</c> directory that <see cref="FromPretrained"/> (and diffusers) read back.</summary>
    public void SavePretrained(string directory, DType? dtype = null) =>
        Pretrained.Save(this, directory, "diffusion_pytorch_model", path => ConfigFile.Write(path, Config, DiffusersConfig.Header("UNet2DConditionModel")), dtype);

    /// <summary>
    /// Sets <see cref="Attention.CrossAttentionProbabilitiesHook"/> on every attention layer (null clears them); the hook gets
    /// the layer's dotted name (e.g. <c>up_blocks.1.attentions.0.transformer_blocks.0.attn2</c>) and its probabilities.
    /// </summary>
    public void SetCrossAttentionHook(Action<string, Tensor>? hook)
    {
        foreach ((string name, Module module) in NamedModules())
            if (module is Attention layer) layer.CrossAttentionProbabilitiesHook = hook is null ? null : p => hook(name, p);
    }

    /// <summary>Predicts the noise (or v / sample, per the scheduler) for latents at the given timesteps.</summary>
    /// <param name="sample">latents [B, C, H, W]</param>
    /// <param name="timesteps">one timestep for the batch (0-d or [1]) or one per sample [B]</param>
    /// <param name="context">text embeddings [B, T, cross_attention_dim]</param>
    /// <param name="added">SDXL's pooled text embeddings and time ids (required when the config has addition_embed_type text_time)</param>
    /// <param name="timestepCondition">LCM's guidance embedding (time_cond_proj_dim)</param>
    /// <param name="observe">called with (block name, activation) after each stage, for debugging and parity tests; the activation is freed when Forward returns, so keep a detached clone</param>
    public Tensor Forward(Tensor sample, Tensor timesteps, Tensor context, AddedConditions? added = null, Tensor? timestepCondition = null,
        Action<string, Tensor>? observe = null)
    {
        using var scope = torch.NewDisposeScope();
        long batch = sample.Size(0);
        Tensor t = timesteps.Dim == 0 ? timesteps.Unsqueeze(0) : timesteps;
        t = t.Expand(batch);

        Tensor emb = time_embedding.Forward(time_proj.Forward(t).To(sample.DType), timestepCondition);
        observe?.Invoke("time_embedding", emb);
        if (add_embedding is not null)
        {
            if (added is null) throw new ArgumentException($"this UNet ({Config.Source}) needs SDXL's added conditions (text_embeds, time_ids)", nameof(added));
            Tensor timeEmbeds = add_time_proj!.Forward(added.TimeIds.Flatten()).Reshape(added.TextEmbeds.Size(0), -1);
            Tensor addEmbeds = torch.Cat([added.TextEmbeds, timeEmbeds], -1).To(emb.DType);
            Tensor augmented = add_embedding.Forward(addEmbeds);
            observe?.Invoke("add_embedding", augmented);
            emb = emb + augmented;
        }

        Tensor h = conv_in.Forward(sample);
        observe?.Invoke("conv_in", h);
        var skips = new List<Tensor> { h };
        for (int i = 0; i < down_blocks.Count; i++)
        {
            (h, List<Tensor> blockSkips) = down_blocks[i].Forward(h, emb, context);
            skips.AddRange(blockSkips);
            observe?.Invoke($"down_blocks.{i}", h);
        }
        h = mid_block.Forward(h, emb, context);
        observe?.Invoke("mid_block", h);

        // Latent sizes that are not multiples of 2^upsamplers need explicit upsample sizes (diffusers' forward_upsample_size).
        long factor = 1L << _numUpsamplers;
        bool forwardSize = sample.Size(-2) % factor != 0 || sample.Size(-1) % factor != 0;
        for (int i = 0; i < up_blocks.Count; i++)
        {
            UNetUpBlock block = up_blocks[i];
            List<Tensor> used = skips.GetRange(skips.Count - block.SkipCount, block.SkipCount);
            skips.RemoveRange(skips.Count - block.SkipCount, block.SkipCount);
            long[]? upsampleSize = i < up_blocks.Count - 1 && forwardSize ? skips[^1].Shape[2..] : null;
            h = block.Forward(h, used, emb, context, upsampleSize);
            observe?.Invoke($"up_blocks.{i}", h);
        }
        Tensor output = conv_out.Forward(_act(conv_norm_out.Forward(h)));
        return output.MoveToOuterScope();
    }
}
