using Torch;

namespace Align.Pipelines;

/// <summary>diffusers' <c>get_guidance_scale_embedding</c>: the sinusoidal embedding of (w − 1)·1000 fed to LCM-distilled UNets (time_cond_proj_dim).</summary>
public static class GuidanceEmbedding
{
    public static Tensor Create(double guidance, int batch, int dim, Device device)
    {
        using var scope = torch.NewDisposeScope();
        int half = dim / 2;
        double step = Math.Log(10000.0) / (half - 1);
        Tensor freqs = (torch.Arange(0, half, dtype: DType.Float32) * -step).Exp();
        Tensor w = torch.Full([batch, 1], (guidance - 1) * 1000.0);
        Tensor args = w * freqs.Unsqueeze(0);
        Tensor emb = torch.Cat([args.Sin(), args.Cos()], 1);
        if (dim % 2 == 1) emb = F.Pad(emb, [0, 1]);
        return emb.To(device).MoveToOuterScope();
    }
}
