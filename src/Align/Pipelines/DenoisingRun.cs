using Align.Models.Diffusers;
using Align.Schedulers;
using Torch;

namespace Align.Pipelines;

/// <summary>One denoising step's results (owned by the caller): the guided noise prediction, the sample after the step, and the x₀ estimate.</summary>
/// <param name="Noise">the model output after classifier-free guidance, float32</param>
/// <param name="Next">the sample for the next step (after the schedule's last step: what the pipeline decodes)</param>
/// <param name="PredOriginal">the scheduler's clean-sample estimate</param>
public sealed record DenoisingStep(Tensor Noise, Tensor Next, Tensor PredOriginal) : IDisposable
{
    public void Dispose()
    {
        Noise.Dispose();
        Next.Dispose();
        PredOriginal.Dispose();
    }
}

/// <summary>
/// A sampling run taken apart: the requests' conditioning (encoded once, cond/uncond batched), a scheduler set to their
/// steps, and the denoising steps, callable one at a time or by range from any latents. Steps run in the caller's grad
/// mode: <see cref="TextToImagePipeline.Generate(TextToImageRequest, Tensor?, Action{StepProgress}?, CancellationToken)"/>
/// runs all of them; a trainer may run a prefix without grad and the last steps with it (DRaFT), or a step again from
/// other latents. A step asked for out of order gets a scheduler positioned at it. Made by
/// <see cref="TextToImagePipeline.Prepare"/>; owns its conditioning until disposed.
/// </summary>
public sealed class DenoisingRun : IDisposable
{
    private readonly TextToImagePipeline _pipeline;
    private readonly IReadOnlyList<TextToImageRequest> _requests;
    private readonly List<Tensor> _owned;
    private readonly Tensor _context;
    private readonly AddedConditions? _added;
    private readonly Tensor? _timeCond;
    private readonly Generator _stepNoise;
    private readonly double _guidanceScale;
    private IScheduler _scheduler;
    private int _position; // the step the scheduler stands at

    internal DenoisingRun(TextToImagePipeline pipeline, IReadOnlyList<TextToImageRequest> requests, bool guidance, Tensor context,
        AddedConditions? added, Tensor? timeCond, List<Tensor> owned)
    {
        _pipeline = pipeline;
        _requests = requests;
        Guidance = guidance;
        _guidanceScale = requests[0].Guidance;
        _context = context;
        _added = added;
        _timeCond = timeCond;
        _owned = owned;
        Seeds = requests.SelectMany(q => q.Seeds).ToArray();
        _stepNoise = TextToImagePipeline.NewStepNoise(Seeds[0]);
        _scheduler = NewScheduler(null);
        Timesteps = _scheduler.Timesteps.ToArray();
    }

    /// <summary>The seeds of every image, requests in order.</summary>
    public IReadOnlyList<long> Seeds { get; }

    /// <summary>The schedule: step i denoises from <c>Timesteps[i]</c>.</summary>
    public IReadOnlyList<double> Timesteps { get; }

    public int Steps => Timesteps.Count;

    /// <summary>Whether each UNet call batches an unconditional pass (classifier-free guidance).</summary>
    public bool Guidance { get; }

    /// <summary>The scheduler the steps use (its step index is where the run stands).</summary>
    public IScheduler Scheduler => _scheduler;

    /// <summary>The noise the first step starts from: <paramref name="latents"/> (unscaled; default the seeds' draws) × the scheduler's initial sigma.</summary>
    public Tensor StartLatents(Tensor? latents = null)
    {
        using var scope = torch.NewDisposeScope();
        Tensor noise = latents?.To(_pipeline.Device) ?? torch.Cat(_requests.Select(_pipeline.InitialLatents).ToArray());
        return (noise * _scheduler.InitNoiseSigma).MoveToOuterScope();
    }

    /// <summary>The forward process: <paramref name="original"/> (a clean sample) noised with <paramref name="noise"/> to the timestep of step <paramref name="i"/>, as step i expects its input.</summary>
    public Tensor AddNoise(Tensor original, Tensor noise, int i)
    {
        CheckIndex(i);
        using var scope = torch.NewDisposeScope();
        using IScheduler s = NewScheduler(i);
        Tensor t = torch.Full([original.Size(0)], Timesteps[i], s.TimestepDType, original.Device);
        return s.AddNoise(original, noise, t).MoveToOuterScope();
    }

    /// <summary>The guided noise prediction at step <paramref name="i"/> for sample <paramref name="x"/>, without stepping.</summary>
    public Tensor PredictNoise(int i, Tensor x, bool gradientCheckpointing = false)
    {
        using var scope = torch.NewDisposeScope();
        return Predict(At(i), i, x, gradientCheckpointing).MoveToOuterScope();
    }

    /// <summary>
    /// Step <paramref name="i"/> from sample <paramref name="x"/>. With <paramref name="gradientCheckpointing"/> (and grad
    /// on), the UNet call keeps only its inputs and is recomputed in the backward pass; as with
    /// <c>torch.utils.checkpoint</c>, gradients reach the UNet's trainable weights only if some input requires grad.
    /// </summary>
    public DenoisingStep Step(int i, Tensor x, bool gradientCheckpointing = false)
    {
        using var scope = torch.NewDisposeScope();
        IScheduler s = At(i);
        Tensor noise = Predict(s, i, x, gradientCheckpointing);
        SchedulerStepOutput step = s.Step(noise, Timesteps[i], x, _stepNoise);
        _position = i + 1;
        // LCM's pipeline decodes the last step's boundary-conditioned estimate, not the re-noised sample.
        Tensor next = s is LcmScheduler && i == Steps - 1 ? step.PredOriginalSample * 1.0 : step.PrevSample;
        return new DenoisingStep(noise.MoveToOuterScope(), next.MoveToOuterScope(), step.PredOriginalSample.MoveToOuterScope());
    }

    /// <summary>Steps <paramref name="from"/> to <paramref name="to"/> (exclusive) from <paramref name="x"/>; returns the sample after the last one.</summary>
    public Tensor Run(int from, int to, Tensor x, bool gradientCheckpointing = false, Action<StepProgress>? onStep = null, CancellationToken cancel = default)
    {
        if (from < 0 || to > Steps || from > to) throw new ArgumentOutOfRangeException(nameof(from), $"steps {from}..{to} are not within 0..{Steps}");
        for (int i = from; i < to; i++)
        {
            cancel.ThrowIfCancellationRequested();
            using var stepScope = torch.NewDisposeScope();
            x = Step(i, x, gradientCheckpointing).Next.MoveToOuterScope();
            onStep?.Invoke(new StepProgress(i + 1, Steps, Timesteps[i], x));
        }
        return x;
    }

    public void Dispose()
    {
        foreach (Tensor t in _owned) t.Dispose();
        _scheduler.Dispose();
        _stepNoise.Dispose();
    }

    private Tensor Predict(IScheduler s, int i, Tensor x, bool gradientCheckpointing)
    {
        double t = Timesteps[i];
        Tensor input = s.ScaleModelInput(Guidance ? torch.Cat([x, x]) : x, t).To(_pipeline.DType);
        Tensor tTensor = torch.Scalar(t, s.TimestepDType, _pipeline.Device);
        UNet2DConditionModel unet = _pipeline.Model.UNet;
        Tensor noise = gradientCheckpointing && Autograd.IsGradEnabled
            ? ActivationCheckpoint.Run(a => [unet.Forward(a[0]!, a[1]!, a[2]!, a[3] is null ? null : new AddedConditions(a[3]!, a[4]!), a[5]).To(DType.Float32)],
                input, tTensor, _context, _added?.TextEmbeds, _added?.TimeIds, _timeCond)[0] // every tensor it reads is an input, so none is disposed before the recomputation
            : unet.Forward(input, tTensor, _context, _added, _timeCond).To(DType.Float32);
        if (!Guidance) return noise;
        Tensor[] parts = noise.Chunk(2);
        return parts[0] + (parts[1] - parts[0]) * _guidanceScale;
    }

    // The scheduler positioned at step i: the current one when it stands there, else a fresh one begun at i.
    private IScheduler At(int i)
    {
        CheckIndex(i);
        if (_position != i)
        {
            _scheduler.Dispose();
            (_scheduler, _position) = (NewScheduler(i), i);
        }
        return _scheduler;
    }

    private IScheduler NewScheduler(int? begin)
    {
        IScheduler s = _pipeline.NewScheduler(_requests[0].Scheduler);
        s.SetTimesteps(_requests[0].Steps);
        if (begin is int b) s.SetBeginIndex(b);
        return s;
    }

    private void CheckIndex(int i)
    {
        if (i < 0 || i >= Steps) throw new ArgumentOutOfRangeException(nameof(i), i, $"step index must be within 0..{Steps - 1}");
    }
}
