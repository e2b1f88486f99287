using Align.Models.Clip;
using Align.Models.Diffusers;
using Align.Models.Vae;
using Align.Text;
using Torch;
using Torch.NN;
using Training.Loop;

namespace Training.Pretraining;

/// <summary>
/// Trains a UNet2DConditionModel to predict the noise of VAE latents (Ho et al. 2020, eq. 14) under the DDPM schedule,
/// conditioned on a frozen text encoder; a fraction of captions is dropped to the empty prompt so classifier-free
/// guidance works (Ho &amp; Salimans 2022).
/// </summary>
public sealed class UNetTask(UNet2DConditionModel unet, AutoencoderKL vae, ClipTextModel textEncoder, ClipTokenizer tokenizer,
    IImageCaptionSource data, int batch, IReadOnlyList<float> alphasCumprod, double dropCaption = 0.1) : ITrainingTask
{
    public string Name => "unet";
    public Module Model => unet;
    public IEnumerable<Tensor> TrainableParameters => unet.Parameters();

    public IReadOnlyDictionary<string, double> Step(int step, Random random, Generator generator)
    {
        (Tensor images, string[] captions) = data.Sample(batch, random);
        string[] prompts = captions.Select(c => random.NextDouble() < dropCaption ? "" : c).ToArray();
        Tensor latents, context;
        using (Autograd.NoGrad())
        {
            latents = vae.Encode(images * 2.0 - 1.0).Sample(generator) * vae.Config.ScalingFactor;
            TokenizedBatch tokens = tokenizer.EncodeBatch(prompts);
            context = textEncoder.Forward(tokens.InputIdsTensor()).LastHiddenState;
        }
        long[] t = Enumerable.Range(0, batch).Select(_ => (long)random.Next(alphasCumprod.Count)).ToArray();
        float[] a = t.Select(i => alphasCumprod[(int)i]).ToArray();
        Tensor sqrtA = Tensor.FromArray(a.Select(v => MathF.Sqrt(v)).ToArray(), batch, 1, 1, 1);
        Tensor sqrt1mA = Tensor.FromArray(a.Select(v => MathF.Sqrt(1 - v)).ToArray(), batch, 1, 1, 1);
        Tensor noise = torch.Randn(latents.Shape, generator);
        Tensor noisy = latents * sqrtA + noise * sqrt1mA;
        Tensor predicted = unet.Forward(noisy, Tensor.FromArray(t, batch), context);
        Tensor loss = F.MseLoss(predicted, noise);
        loss.Backward();
        return new Dictionary<string, double> { ["loss"] = loss.ToDouble() };
    }
}
