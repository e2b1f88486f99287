using Align.Models.Vae;
using Torch;
using Torch.NN;
using Training.Loop;

namespace Training.Pretraining;

/// <summary>
/// Trains an AutoencoderKL as Stable Diffusion's first stage: reconstruction (L1 + MSE on images in [-1, 1]) of a sampled
/// latent, plus a small KL term that keeps the latent space near a unit Gaussian (Rombach et al. 2022, §3).
/// </summary>
public sealed class VaeTask(AutoencoderKL vae, IImageCaptionSource data, int batch, double klWeight = 1e-6) : ITrainingTask
{
    public string Name => "vae";
    public Module Model => vae;
    public IEnumerable<Tensor> TrainableParameters => vae.Parameters();

    public IReadOnlyDictionary<string, double> Step(int step, Random random, Generator generator)
    {
        (Tensor images, _) = data.Sample(batch, random);
        Tensor x = images * 2.0 - 1.0;
        LatentDistribution posterior = vae.Encode(x);
        Tensor recon = vae.Decode(posterior.Sample(generator));
        Tensor l1 = (recon - x).Abs().Mean(), mse = F.MseLoss(recon, x);
        Tensor kl = ((posterior.Mean.Square() + posterior.LogVar.Exp() - 1.0 - posterior.LogVar) * 0.5).Mean();
        Tensor loss = l1 + mse + kl * klWeight;
        loss.Backward();
        return new Dictionary<string, double> { ["loss"] = loss.ToDouble(), ["l1"] = l1.ToDouble(), ["kl"] = kl.ToDouble() };
    }
}
