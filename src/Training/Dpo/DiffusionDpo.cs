using Align.Adapters;
using Align.Models.Diffusers;
using Align.Pipelines;
using Align.Schedulers;
using Torch;

namespace Training.Dpo;

/// <summary>
/// Diffusion-DPO on a LoRA adapter of a frozen model. The reference ε_ref is the same model with no adapter applied (an
/// empty activation, without gradients); the policy ε_θ is the model with the adapter applied, and its backward pass runs
/// inside that activation. Chosen and rejected latents are noised with the same timestep and noise (DDPM's forward process
/// q(x_t | x_0) of the model's training schedule); the target is what the model predicts (ε, v or x_0).
/// </summary>
public sealed class DiffusionDpo
{
    private readonly StableDiffusionModel _model;
    private readonly LoraAdapter _adapter;
    private readonly float[] _alphasCumprod;

    /// <param name="chosenWeight">λ of the chosen images' own denoising loss added to the DPO loss (see <see cref="DpoLoss"/>)</param>
    public DiffusionDpo(StableDiffusionModel model, LoraAdapter adapter, double beta, double chosenWeight = 0)
    {
        _model = model;
        _adapter = adapter;
        Beta = beta;
        ChosenWeight = chosenWeight;
        using IScheduler scheduler = SchedulerFactory.FromConfig(model.SchedulerConfigPath);
        PredictionType = scheduler.PredictionType;
        _alphasCumprod = scheduler.AlphasCumprod.ToArray();
    }

    public double Beta { get; }
    public double ChosenWeight { get; }
    public PredictionType PredictionType { get; }
    public int NumTrainTimesteps => _alphasCumprod.Length;

    /// <summary>The prediction type as diffusers' configs spell it.</summary>
    public string PredictionTypeName => PredictionType switch
    {
        PredictionType.Epsilon => "epsilon",
        PredictionType.VPrediction => "v_prediction",
        _ => "sample",
    };

    /// <summary>
    /// The loss of B pairs; with <paramref name="backward"/> its gradient is accumulated into the adapter's tensors.
    /// </summary>
    /// <param name="chosen">[B, C, h, w] clean latents of the chosen images (scaled as the UNet sees them)</param>
    /// <param name="rejected">the rejected images' latents, same shape</param>
    /// <param name="noise">[B, C, h, w], shared by each pair's two images</param>
    /// <param name="timesteps">one training timestep per pair, shared by its two images</param>
    /// <param name="context">[B, T, D] text embeddings of each pair's prompt</param>
    /// <param name="added">SDXL's added conditions for the B pairs (pooled text embeddings, time ids), or null</param>
    /// <param name="prompts">
    /// each pair's prompt ("" where it was dropped), needed when the adapter targets the text encoders: the policy then
    /// encodes them with the adapter applied (and gradients flowing), while the reference keeps <paramref name="context"/>
    /// </param>
    public DpoLossResult Loss(Tensor chosen, Tensor rejected, Tensor noise, long[] timesteps, Tensor context, AddedConditions? added = null,
        bool backward = true, IReadOnlyList<string>? prompts = null)
    {
        long b = chosen.Size(0);
        if (rejected.Size(0) != b || noise.Size(0) != b || timesteps.Length != b || context.Size(0) != b)
            throw new ArgumentException("chosen, rejected, noise, timesteps and context must describe the same pairs");
        if (_adapter.TouchesTextEncoders && prompts?.Count != b)
            throw new ArgumentException($"adapter '{_adapter.Name}' targets the text encoders: the loss needs each pair's prompt", nameof(prompts));
        Device device = _model.UNet.Parameters().First().Device;
        DType dtype = _model.UNet.Parameters().First().DType;
        using var scope = torch.NewDisposeScope();
        Tensor x0 = torch.Cat([chosen, rejected]).To(device, DType.Float32);
        Tensor eps = torch.Cat([noise, noise]).To(device, DType.Float32);
        long[] t2 = [.. timesteps, .. timesteps];
        float[] a = t2.Select(t => _alphasCumprod[t]).ToArray();
        Tensor sqrtA = Tensor.FromArray(a.Select(MathF.Sqrt).ToArray(), 2 * b, 1, 1, 1).To(device);
        Tensor sqrt1mA = Tensor.FromArray(a.Select(v => MathF.Sqrt(1 - v)).ToArray(), 2 * b, 1, 1, 1).To(device);
        Tensor noisy = (x0 * sqrtA + eps * sqrt1mA).To(dtype);
        Tensor target = PredictionType switch
        {
            PredictionType.Epsilon => eps,
            PredictionType.VPrediction => eps * sqrtA - x0 * sqrt1mA,
            _ => x0,
        };
        Tensor t = Tensor.FromArray(t2, 2 * b).To(device);
        Tensor ctx = torch.Cat([context, context]).To(device, dtype);
        AddedConditions? added2 = added is null ? null
            : new AddedConditions(torch.Cat([added.TextEmbeds, added.TextEmbeds]).To(device, dtype), torch.Cat([added.TimeIds, added.TimeIds]).To(device));

        Tensor refPred;
        using (_model.Adapters.Activate([]))
        using (Autograd.NoGrad())
            refPred = _model.UNet.Forward(noisy, t, ctx, added2).Float();
        using (_model.Adapters.Activate([(_adapter, 1.0)]))
        {
            if (_adapter.TouchesTextEncoders) (ctx, added2) = PolicyConditioning(prompts!, added2, device, dtype);
            Tensor modelPred = _model.UNet.Forward(noisy, t, ctx, added2).Float();
            DpoLossResult result = DpoLoss.Compute(modelPred, refPred, target, Beta, ChosenWeight);
            if (backward) result.Loss.Backward();
            result.Loss.MoveToOuterScope();
            return result;
        }
    }

    // The prompts encoded by the text encoders with the adapter applied, for both images of each pair; SDXL's pooled
    // embedding comes from them too, its time ids stay.
    private (Tensor Context, AddedConditions? Added) PolicyConditioning(IReadOnlyList<string> prompts, AddedConditions? added, Device device, DType dtype)
    {
        PromptEmbeddings[] encoded = prompts.Select(_model.Prompts.EncodeForTraining).ToArray();
        Tensor context = torch.Cat(encoded.Select(e => e.Conditional).ToArray()).To(device, dtype);
        if (added is null) return (torch.Cat([context, context]), null);
        Tensor pooled = torch.Cat(encoded.Select(e => e.Pooled!).ToArray()).To(device, dtype);
        return (torch.Cat([context, context]), new AddedConditions(torch.Cat([pooled, pooled]), added.TimeIds));
    }
}
