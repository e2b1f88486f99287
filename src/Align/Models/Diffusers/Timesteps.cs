using Torch;
using Torch.NN;

namespace Align.Models.Diffusers;

/// <summary>diffusers' <c>Timesteps</c> / <c>get_timestep_embedding</c>: sinusoidal embedding of (possibly fractional) timesteps.</summary>
public sealed class Timesteps(int numChannels, bool flipSinToCos, double downscaleFreqShift) : Module<Tensor, Tensor>
{
    /// <param name="input">timesteps [N]</param>
    /// <returns>[N, numChannels] float32</returns>
    public override Tensor Forward(Tensor input)
    {
        int half = numChannels / 2;
        using var scope = torch.NewDisposeScope();
        Tensor exponent = torch.Arange(0, half, dtype: DType.Float32, device: input.Device) * -Math.Log(10000) / (half - downscaleFreqShift);
        Tensor freqs = exponent.Exp();
        Tensor args = input.To(DType.Float32).Unsqueeze(1) * freqs.Unsqueeze(0);
        Tensor emb = torch.Cat([args.Sin(), args.Cos()], -1);
        if (flipSinToCos) emb = torch.Cat([emb[.., half..], emb[.., ..half]], -1);
        if (numChannels % 2 == 1) emb = F.Pad(emb, [0, 1, 0, 0]);
        return emb.MoveToOuterScope();
    }
}

/// <summary>diffusers' <c>TimestepEmbedding</c>: linear_1 → act → linear_2 (with the optional LCM condition projection).</summary>
public sealed class TimestepEmbedding : Module
{
    private readonly Func<Tensor, Tensor> _act;
    private readonly Func<Tensor, Tensor>? _postAct;

    public TimestepEmbedding(int inChannels, int timeEmbedDim, string actFn, string source, int? outDim = null,
        string? postActFn = null, int? condProjDim = null)
    {
        _act = Activations.Get(actFn, source);
        _postAct = postActFn is null ? null : Activations.Get(postActFn, source);
        linear_1 = RegisterModule("linear_1", new Linear(inChannels, timeEmbedDim));
        if (condProjDim is int c) cond_proj = RegisterModule("cond_proj", new Linear(c, inChannels, bias: false));
        linear_2 = RegisterModule("linear_2", new Linear(timeEmbedDim, outDim ?? timeEmbedDim));
    }

    public Linear linear_1 { get; }
    public Linear? cond_proj { get; }
    public Linear linear_2 { get; }

    public Tensor Forward(Tensor sample, Tensor? condition = null)
    {
        using var scope = torch.NewDisposeScope();
        if (condition is not null && cond_proj is not null) sample = sample + cond_proj.Forward(condition);
        Tensor h = linear_2.Forward(_act(linear_1.Forward(sample)));
        if (_postAct is not null) h = _postAct(h);
        return h.MoveToOuterScope();
    }
}
