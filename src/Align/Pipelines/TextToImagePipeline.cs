using Align.Models;
using Align.Models.Diffusers;
using Align.Schedulers;
using System.Text.Json;
using Torch;

namespace Align.Pipelines;

/// <summary>
/// diffusers' <c>StableDiffusionPipeline</c> / <c>StableDiffusionXLPipeline</c> text-to-image loop: encode the prompt,
/// start from seeded noise, denoise with classifier-free guidance (cond/uncond batched), decode with the VAE.
/// One instance serves concurrent requests: each run gets its own scheduler.
/// </summary>
public sealed class TextToImagePipeline
{
    private readonly JsonElement _schedulerConfig;
    private readonly string _schedulerClass;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string ClassName, JsonElement Config)> _derived = new();

    public TextToImagePipeline(StableDiffusionModel model, PromptCache? prompts = null, string? schedulerConfigPath = null)
    {
        Model = model;
        Prompts = prompts;
        (_schedulerClass, _schedulerConfig, SchedulerSource) = SchedulerFactory.ReadConfig(schedulerConfigPath ?? model.SchedulerConfigPath);
        NewScheduler().Dispose(); // refuses an unsupported scheduler config now, not at the first request
        DefaultScheduler = SchedulerChoice.Of(_schedulerClass, _schedulerConfig);
    }

    public StableDiffusionModel Model { get; }
    public PromptCache? Prompts { get; }
    public string SchedulerSource { get; }

    /// <summary>The diffusers class of the model's scheduler (one of <see cref="SchedulerFactory.SupportedClasses"/>).</summary>
    public string SchedulerClass => _schedulerClass;

    /// <summary>The sampler name (<see cref="SchedulerChoice"/>) of the model's own scheduler.</summary>
    public string DefaultScheduler { get; }

    /// <summary>
    /// A fresh scheduler (schedulers keep per-run state): the model's own (also when <paramref name="choice"/> names it),
    /// or sampler <paramref name="choice"/> (<see cref="SchedulerChoice.Names"/>) derived from the model's config.
    /// </summary>
    public IScheduler NewScheduler(string? choice = null)
    {
        if (choice is null || choice == DefaultScheduler) return SchedulerFactory.Create(_schedulerClass, _schedulerConfig, SchedulerSource);
        (string className, JsonElement config) = Derived(choice);
        return SchedulerFactory.Create(className, config, SourceOf(choice));
    }

    /// <summary>
    /// Refuses a sampler this model cannot run: an unknown name (ArgumentException) or a config its class refuses
    /// (ModelLoadException). Checked once per name; later checks and runs reuse the derived config.
    /// </summary>
    public void CheckScheduler(string choice)
    {
        if (choice != DefaultScheduler) Derived(choice);
    }

    // The sampler's class and config from the model's, built once and tried once (a config the class refuses is not kept).
    private (string ClassName, JsonElement Config) Derived(string choice) => _derived.GetOrAdd(choice, c =>
    {
        (string className, JsonElement config) = SchedulerChoice.Configure(c, _schedulerClass, _schedulerConfig);
        SchedulerFactory.Create(className, config, SourceOf(c)).Dispose();
        return (className, config);
    });

    private string SourceOf(string choice) => $"{SchedulerSource} as scheduler '{choice}'";

    /// <summary>Whether a run at this guidance scale batches an unconditional pass (diffusers: guidance > 1 and no LCM guidance embedding).</summary>
    public bool UsesGuidance(double guidance) => guidance > 1.0 && Model.UNet.Config.TimeCondProjDim is null;

    /// <summary>Checks the request against the model; throws ArgumentException naming the field.</summary>
    public void Validate(TextToImageRequest r)
    {
        int f = Model.VaeScaleFactor;
        if (r.Width <= 0 || r.Width % f != 0) throw new ArgumentException($"width must be a positive multiple of {f} for this model, got {r.Width}", "width");
        if (r.Height <= 0 || r.Height % f != 0) throw new ArgumentException($"height must be a positive multiple of {f} for this model, got {r.Height}", "height");
        if (r.Steps < 1) throw new ArgumentException($"steps must be at least 1, got {r.Steps}", "steps");
        if (r.Seeds.Count < 1) throw new ArgumentException("at least one seed (image) is needed", "seeds");
        if (r.ClipSkip is < 0 || r.ClipSkip >= Model.Text[0].Encoder.Config.NumHiddenLayers)
            throw new ArgumentException($"clip_skip must be between 0 and {Model.Text[0].Encoder.Config.NumHiddenLayers - 1}", "clip_skip");
        if (r.Scheduler is not null)
        {
            try
            {
                CheckScheduler(r.Scheduler);
            }
            catch (ModelLoadException e)
            {
                throw new ArgumentException($"scheduler '{r.Scheduler}' cannot run with this model's scheduler config: {e.Message}", "scheduler", e);
            }
        }
    }

    /// <summary>The initial latents (unscaled): one standard normal draw per seed, on CPU, then moved to the model's device.</summary>
    public Tensor InitialLatents(TextToImageRequest r)
    {
        using var scope = torch.NewDisposeScope();
        int f = Model.VaeScaleFactor, c = Model.UNet.Config.InChannels;
        var parts = r.Seeds.Select(seed =>
        {
            using var g = new Generator(unchecked((ulong)seed));
            return torch.Randn([1, c, r.Height / f, r.Width / f], g);
        }).ToArray();
        return torch.Cat(parts).To(Device).MoveToOuterScope();
    }

    /// <summary>The generator for noise a scheduler injects between steps (LCM): drawn from the first seed's stream, so runs repeat exactly.</summary>
    public static Generator NewStepNoise(long firstSeed) => new(unchecked((ulong)firstSeed) ^ 0x9E3779B97F4A7C15UL);

    public Device Device => Model.UNet.Parameters().First().Device;

    /// <summary>The UNet's precision; latents stay float32 between steps and are cast for each UNet call (as diffusers' schedulers upcast).</summary>
    public DType DType => Model.UNet.Parameters().First().DType;

    /// <summary>Runs the pipeline; <paramref name="latents"/> overrides the seeded noise (unscaled, as diffusers takes them).</summary>
    public GenerationResult Generate(TextToImageRequest r, Tensor? latents = null, Action<StepProgress>? onStep = null,
        CancellationToken cancel = default) => Generate([r], latents, onStep, cancel);

    /// <summary>
    /// Runs several requests as one batch, as a server batches compatible requests: they share size, steps, guidance and
    /// conditioning options, while prompts and seeds differ. Images come back in request order, each request's seeds in order.
    /// </summary>
    public GenerationResult Generate(IReadOnlyList<TextToImageRequest> requests, Tensor? latents = null,
        Action<StepProgress>? onStep = null, CancellationToken cancel = default) =>
        Run(requests, latents, differentiable: false, onStep, cancel);

    /// <summary>
    /// Generates from <paramref name="latents"/> (unscaled initial noise) keeping the autograd graph from them to the images,
    /// through every denoising step and the VAE decoder (ReNO back-propagates a reward through it). Freeze the model's
    /// parameters first, or the graph also records what their gradients would need. With
    /// <paramref name="gradientCheckpointing"/> each UNet call keeps only its inputs and is recomputed by the backward
    /// pass (<see cref="ActivationCheckpoint"/>): about one more UNet forward per step, for the activations of one step instead of all.
    /// </summary>
    public GenerationResult GenerateDifferentiable(TextToImageRequest r, Tensor latents, Action<StepProgress>? onStep = null,
        CancellationToken cancel = default, bool gradientCheckpointing = false) =>
        Run([r], latents, differentiable: true, onStep, cancel, gradientCheckpointing);

    private GenerationResult Run(IReadOnlyList<TextToImageRequest> requests, Tensor? latents, bool differentiable,
        Action<StepProgress>? onStep, CancellationToken cancel, bool gradientCheckpointing = false)
    {
        using DenoisingRun run = Prepare(requests);
        using var scope = torch.NewDisposeScope();
        using var gradMode = differentiable ? Autograd.EnableGrad() : Autograd.NoGrad();
        Tensor x = run.Run(0, run.Steps, run.StartLatents(latents), differentiable && gradientCheckpointing, onStep, cancel);
        cancel.ThrowIfCancellationRequested();
        (Tensor images, Tensor raw) = Decode(x);
        images.MoveToOuterScope();
        raw.MoveToOuterScope();
        return new GenerationResult(images, raw, run.Seeds, run.Timesteps);
    }

    /// <summary>
    /// Validates a batch of requests (see <see cref="Generate(IReadOnlyList{TextToImageRequest}, Tensor?, Action{StepProgress}?, CancellationToken)"/>),
    /// encodes their prompts (without grad, under the adapters active now) and sets up a scheduler: a run whose steps the caller drives.
    /// </summary>
    /// <param name="differentiablePrompts">encode the prompts in the caller's grad mode and bypass the prompt cache, so a
    /// loss over the run's steps reaches the text encoders' adapters (a backward pass through them frees their graph:
    /// prepare one run per backward)</param>
    public DenoisingRun Prepare(IReadOnlyList<TextToImageRequest> requests, bool differentiablePrompts = false)
    {
        if (requests.Count == 0) throw new ArgumentException("at least one request is needed", nameof(requests));
        foreach (TextToImageRequest each in requests) Validate(each);
        TextToImageRequest r = requests[0];
        foreach (TextToImageRequest other in requests.Skip(1)) EnsureBatchable(r, other);
        bool guidance = UsesGuidance(r.Guidance);
        int batch = requests.Sum(q => q.Seeds.Count);
        var prompts = new List<PromptEmbeddings>();
        var owned = new List<Tensor>();
        try
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = differentiablePrompts ? null : Autograd.NoGrad();
            foreach (TextToImageRequest q in requests)
                prompts.Add((differentiablePrompts ? null : Prompts?.Get(q.Prompt, q.NegativePrompt, guidance, q.ClipSkip, Model.Adapters.TextEncoderState))
                            ?? Model.Prompts.EncodeWeighted(q.Prompt, q.NegativePrompt, guidance, q.ClipSkip, differentiablePrompts));
            Tensor context = PerImage(requests, prompts, p => p.Conditional);
            if (guidance) context = torch.Cat([PerImage(requests, prompts, p => p.Unconditional!), context]);
            AddedConditions? added = Model.IsXL ? AddedConditions(requests, prompts, guidance) : null;
            Tensor? timeCond = Model.UNet.Config.TimeCondProjDim is int dim ? GuidanceEmbedding.Create(r.Guidance, batch, dim, Device).To(DType) : null;
            // The run owns what it reads (which may be the prompts' own tensors); the scope frees the rest.
            foreach (Tensor? t in new[] { context, added?.TextEmbeds, added?.TimeIds, timeCond })
                if (t is not null) owned.Add(t.DetachFromDisposeScope());
            foreach (PromptEmbeddings p in prompts)
                foreach (Tensor? t in new[] { p.Conditional, p.Unconditional, p.Pooled, p.NegativePooled })
                    if (t is not null) owned.Add(t.DetachFromDisposeScope());
            return new DenoisingRun(this, requests, guidance, context, added, timeCond, owned);
        }
        catch
        {
            foreach (PromptEmbeddings p in prompts) p.Dispose();
            foreach (Tensor t in owned) t.Dispose();
            throw;
        }
    }

    /// <summary>Throws ArgumentException naming the first option in which <paramref name="other"/> cannot share a batch with <paramref name="first"/>.</summary>
    public static void EnsureBatchable(TextToImageRequest first, TextToImageRequest other)
    {
        string? field = (first.Width != other.Width || first.Height != other.Height) ? "width/height"
            : first.Steps != other.Steps ? "steps"
            : first.Guidance != other.Guidance ? "guidance"
            : first.ClipSkip != other.ClipSkip ? "clip_skip"
            : first.Scheduler != other.Scheduler ? "scheduler"
            : first.OriginalSize != other.OriginalSize || first.CropTopLeft != other.CropTopLeft || first.TargetSize != other.TargetSize ? "size conditioning"
            : null;
        if (field is not null) throw new ArgumentException($"requests in one batch must share {field}", field);
    }

    /// <summary>Scaled latents → (image in [0, 1], raw VAE output), with the VAE's scaling (and SDXL-style mean/std) undone.</summary>
    public (Tensor Images, Tensor Raw) Decode(Tensor latents)
    {
        var c = Model.Vae.Config;
        using var scope = torch.NewDisposeScope();
        Tensor z = latents;
        if (c.LatentsMean is { } mean && c.LatentsStd is { } std)
        {
            Tensor m = Tensor.FromArray(mean.Select(v => (float)v).ToArray(), 1, mean.Length, 1, 1).To(z.Device);
            Tensor s = Tensor.FromArray(std.Select(v => (float)v).ToArray(), 1, std.Length, 1, 1).To(z.Device);
            z = z * s / c.ScalingFactor + m;
        }
        else
        {
            z = z / c.ScalingFactor;
            if (c.ShiftFactor is double shift) z = z + shift;
        }
        Tensor raw = Model.Vae.Decode(z.To(Model.Vae.Parameters().First().DType)).To(DType.Float32);
        Tensor images = (raw / 2.0 + 0.5).Clamp(0.0, 1.0);
        return (images.MoveToOuterScope(), raw.MoveToOuterScope());
    }

    private static Tensor Batch(Tensor t, int batch) => batch == 1 ? t : t.Repeat([batch, .. Enumerable.Repeat(1L, (int)t.Dim - 1)]);

    // One row per image: each request's tensor repeated for its seeds, requests in order.
    private static Tensor PerImage(IReadOnlyList<TextToImageRequest> requests, List<PromptEmbeddings> prompts, Func<PromptEmbeddings, Tensor> pick) =>
        requests.Count == 1 ? Batch(pick(prompts[0]), requests[0].Seeds.Count)
            : torch.Cat(requests.Select((q, i) => Batch(pick(prompts[i]), q.Seeds.Count)).ToArray());

    // SDXL's added conditioning: pooled text embeddings and time ids (original size, crop top-left, target size).
    private AddedConditions AddedConditions(IReadOnlyList<TextToImageRequest> requests, List<PromptEmbeddings> prompts, bool guidance)
    {
        TextToImageRequest r = requests[0];
        int batch = requests.Sum(q => q.Seeds.Count);
        (int oh, int ow) = r.OriginalSize ?? (r.Height, r.Width);
        (int th, int tw) = r.TargetSize ?? (r.Height, r.Width);
        float[] ids = [oh, ow, r.CropTopLeft.Top, r.CropTopLeft.Left, th, tw];
        UNet2DConditionConfig u = Model.UNet.Config;
        long expected = u.ProjectionClassEmbeddingsInputDim!.Value, passed = u.AdditionTimeEmbedDim!.Value * ids.Length + prompts[0].Pooled!.Size(-1);
        if (expected != passed)
            throw new ModelLoadException($"{u.Source}: the UNet expects {expected} added-conditioning features, the text encoder and time ids give {passed}");
        Tensor timeIds = Batch(Tensor.FromArray(ids, 1, ids.Length).To(Device), batch);
        Tensor pooled = PerImage(requests, prompts, p => p.Pooled!);
        if (!guidance) return new AddedConditions(pooled, timeIds);
        return new AddedConditions(torch.Cat([PerImage(requests, prompts, p => p.NegativePooled!), pooled]), torch.Cat([timeIds, timeIds]));
    }
}
