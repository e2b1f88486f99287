using Align.Models.Diffusers;
using Align.Pipelines;
using Align.Schedulers;
using Align.ShapeWorld;
using Align.Text;
using Torch;

namespace Align.Alignment;

/// <summary>Settings of an Attend-and-Excite run; the defaults are the reference's (diffusers' pipeline), scaled to the step count.</summary>
public sealed record AttendAndExciteOptions
{
    /// <summary>Positions of the subject tokens in the tokenized prompt (0 is the start token); null: found in the prompt (<see cref="AttendAndExcite.SubjectTokens"/>).</summary>
    public IReadOnlyList<int>? TokenIndices { get; init; }

    /// <summary>With automatic subject tokens, excite colour words as well as shape nouns.</summary>
    public bool IncludeColourWords { get; init; }

    /// <summary>How many of the first denoising steps get the gradient update; null: half the steps (the reference: 25 of 50).</summary>
    public int? MaxIterToAlter { get; init; }

    /// <summary>Step index → max-attention threshold for iterative refinement; null: the reference's {0: 0.05, 10: 0.5, 20: 0.8} of 50 steps at the same fractions of the run.</summary>
    public IReadOnlyDictionary<int, double>? Thresholds { get; init; }

    /// <summary>The step size at step i is ScaleFactor·√(linspace(Start, End, steps)[i]) (the reference: 20, (1.0, 0.5)).</summary>
    public double ScaleFactor { get; init; } = 20;
    public (double Start, double End) ScaleRange { get; init; } = (1.0, 0.5);

    /// <summary>The most latent updates one iterative refinement makes (the reference: 20).</summary>
    public int MaxRefinementSteps { get; init; } = 20;

    /// <summary>The cross-attention resolution (latent grid) to read; null: <see cref="AttendAndExcite.DefaultResolution"/>.</summary>
    public (int Height, int Width)? AttentionResolution { get; init; }

    /// <summary>Gaussian smoothing of each token's map before its maximum (the reference: kernel 3, σ 0.5).</summary>
    public int SmoothingKernelSize { get; init; } = 3;
    public double SmoothingSigma { get; init; } = 0.5;
}

/// <summary>
/// One Attend-and-Excite step done: <paramref name="MaxAttention"/>[image][token] is each subject token's smoothed maximum
/// attention on the latents the step denoised from (after any refinement, before its gradient update).
/// </summary>
public readonly record struct AttendAndExciteProgress(int Step, int Total, double Timestep, IReadOnlyList<int> TokenIndices,
    IReadOnlyList<IReadOnlyList<double>> MaxAttention, int RefinementIterations, Tensor Latents);

/// <summary>
/// Attend-and-Excite (Chefer et al., SIGGRAPH 2023), after diffusers' <c>StableDiffusionAttendAndExcitePipeline</c>: before
/// each guided denoising step, a conditional UNet pass measures how strongly each subject token is attended somewhere in
/// the image, and the latents move down the gradient of the most neglected token's loss 1 − max attention (§4, Eq. 1–2);
/// at threshold steps the update repeats until every token passes (iterative refinement, §4.2). Runs on SD 1.x/2.x-shaped
/// models (no SDXL added conditions, no LCM guidance embedding), reusing the pipeline's scheduler, prompts and VAE.
/// </summary>
public sealed class AttendAndExcite(TextToImagePipeline pipeline)
{
    // The reference's schedule, defined for 50 steps.
    private const int ReferenceSteps = 50;
    private static readonly (int Step, double Threshold)[] ReferenceThresholds = [(0, 0.05), (10, 0.5), (20, 0.8)];

    private StableDiffusionModel Model => pipeline.Model;

    /// <summary>Generates the request's images with Attend-and-Excite; one measured pass per image per step, so cost grows with the seeds.</summary>
    /// <exception cref="ArgumentException">an invalid request, token index or option, or a prompt with no subject to find</exception>
    public GenerationResult Generate(TextToImageRequest request, AttendAndExciteOptions? options = null,
        Action<AttendAndExciteProgress>? onStep = null, CancellationToken cancel = default)
    {
        options ??= new AttendAndExciteOptions();
        pipeline.Validate(request);
        if (Model.IsXL || Model.UNet.Config.TimeCondProjDim is not null)
            throw new ArgumentException("Attend-and-Excite supports SD 1.x/2.x-shaped models (no SDXL added conditions, no LCM guidance embedding)");
        ClipTokenizer tokenizer = Model.Text[0].Tokenizer;
        int[] tokens = (options.TokenIndices ?? SubjectTokens(tokenizer, request.Prompt, options.IncludeColourWords)).ToArray();
        CheckTokens(tokenizer, request.Prompt, tokens);
        int f = Model.VaeScaleFactor;
        (int height, int width) = options.AttentionResolution
            ?? DefaultResolution(Model.UNet.Config, request.Height / f, request.Width / f, request.Height, request.Width);
        if (!CrossAttentionResolutions(Model.UNet.Config, request.Height / f, request.Width / f).Contains((height, width)))
            throw new ArgumentException($"the UNet has no cross-attention at {height}×{width} for a {request.Width}×{request.Height} image", nameof(options));
        if (options.MaxRefinementSteps < 0) throw new ArgumentException("MaxRefinementSteps must not be negative", nameof(options));
        int steps = request.Steps, alter = options.MaxIterToAlter ?? DefaultMaxIterToAlter(steps);
        IReadOnlyDictionary<int, double> thresholds = options.Thresholds ?? DefaultThresholds(steps);
        double[] stepSizes = StepSizes(steps, options.ScaleFactor, options.ScaleRange);

        using var scope = torch.NewDisposeScope();
        using var noGrad = Autograd.NoGrad();
        using IScheduler scheduler = pipeline.NewScheduler(request.Scheduler);
        bool guidance = pipeline.UsesGuidance(request.Guidance);
        int batch = request.Seeds.Count;
        using PromptEmbeddings prompt = pipeline.Prompts?.Get(request.Prompt, request.NegativePrompt, guidance, request.ClipSkip, Model.Adapters.TextEncoderState)
                                        ?? Model.Prompts.Encode(request.Prompt, request.NegativePrompt, guidance, request.ClipSkip);
        Tensor conditional = prompt.Conditional.To(pipeline.DType);
        Tensor context = Repeat(prompt.Conditional, batch);
        if (guidance) context = torch.Cat([Repeat(prompt.Unconditional!, batch), context]);
        using var store = new AttentionStore(height, width);
        var measure = new Measurer(Model.UNet, store, tokens, options, pipeline.DType);

        scheduler.SetTimesteps(steps);
        using Generator stepNoise = TextToImagePipeline.NewStepNoise(request.Seeds[0]);
        Tensor x = pipeline.InitialLatents(request) * scheduler.InitNoiseSigma;
        IReadOnlyList<double> timesteps = scheduler.Timesteps.ToArray();
        for (int i = 0; i < timesteps.Count; i++)
        {
            cancel.ThrowIfCancellationRequested();
            using var stepScope = torch.NewDisposeScope();
            double t = timesteps[i];
            Tensor tTensor = torch.Scalar(t, scheduler.TimestepDType, pipeline.Device);
            var updated = new Tensor[batch];
            var maxAttention = new IReadOnlyList<double>[batch];
            int refinements = 0;
            for (int j = 0; j < batch; j++)
            {
                Measurement m = measure.Run(x.Narrow(0, j, 1), t, tTensor, scheduler, conditional);
                if (thresholds.TryGetValue(i, out double threshold) && m.Loss > 1.0 - threshold)
                {
                    // Iterative refinement (§4.2): the reference's loop, without its repeated measurement of unchanged latents.
                    double target = Math.Max(0.0, 1.0 - threshold);
                    for (int k = 0; k < options.MaxRefinementSteps && m.Loss > target; k++)
                    {
                        cancel.ThrowIfCancellationRequested();
                        m = measure.Run(m.Excite(stepSizes[i]), t, tTensor, scheduler, conditional);
                        refinements++;
                    }
                }
                updated[j] = i < alter && m.Loss > 0 ? m.Excite(stepSizes[i]) : m.Latents.Detach();
                maxAttention[j] = m.MaxAttention;
            }
            x = torch.Cat(updated);

            // The guided step, as TextToImagePipeline takes it.
            Tensor input = scheduler.ScaleModelInput(guidance ? torch.Cat([x, x]) : x, t);
            Tensor noise = Model.UNet.Forward(input.To(pipeline.DType), tTensor, context.To(pipeline.DType)).To(DType.Float32);
            if (guidance)
            {
                Tensor[] parts = noise.Chunk(2);
                noise = parts[0] + (parts[1] - parts[0]) * request.Guidance;
            }
            SchedulerStepOutput step = scheduler.Step(noise, t, x, stepNoise);
            x = (scheduler is LcmScheduler && i == timesteps.Count - 1 ? step.PredOriginalSample : step.PrevSample).MoveToOuterScope();
            onStep?.Invoke(new AttendAndExciteProgress(i + 1, timesteps.Count, t, tokens, maxAttention, refinements, x));
        }
        cancel.ThrowIfCancellationRequested();
        (Tensor images, Tensor raw) = pipeline.Decode(x);
        images.MoveToOuterScope();
        raw.MoveToOuterScope();
        return new GenerationResult(images, raw, request.Seeds, timesteps);
    }

    /// <summary>
    /// Subject tokens found in <paramref name="prompt"/>: the first token of every ShapeWorld shape noun (circle, squares, …),
    /// and of every colour word when <paramref name="includeColours"/>; positions count the start token as 0.
    /// </summary>
    /// <exception cref="ArgumentException">the prompt names no shape (or colour)</exception>
    public static IReadOnlyList<int> SubjectTokens(ClipTokenizer tokenizer, string prompt, bool includeColours = false)
    {
        var subjects = new HashSet<string>(Vocabulary.Shapes.SelectMany(s => new[] { Vocabulary.Word(s), Vocabulary.Plural(s) }));
        if (includeColours) subjects.UnionWith(Vocabulary.Colours.Select(Vocabulary.Word));
        var found = new List<int>();
        IReadOnlyList<string> tokens = tokenizer.Tokenize(prompt);
        int start = 0;
        var word = new System.Text.StringBuilder();
        for (int k = 0; k < tokens.Count; k++)
        {
            // CLIP's BPE marks a word's last token with </w>.
            bool last = tokens[k].EndsWith("</w>", StringComparison.Ordinal);
            word.Append(last ? tokens[k][..^4] : tokens[k]);
            if (!last) continue;
            if (subjects.Contains(word.ToString())) found.Add(start + 1);
            word.Clear();
            start = k + 1;
        }
        if (found.Count == 0)
            throw new ArgumentException($"no subject ({(includeColours ? "shape or colour" : "shape")} word) found in \"{prompt}\"; give the token indices", nameof(prompt));
        return found;
    }

    /// <summary>
    /// The resolution the reference reads by default, ⌈height/32⌉×⌈width/32⌉ (16×16 for a 512-pixel SD image), where the UNet
    /// has cross-attention there; otherwise the largest grid with cross-attention (8×8 for the 64-pixel ShapeWorld model,
    /// whose 16×16 latents only get cross-attention after the first downsampling).
    /// </summary>
    public static (int Height, int Width) DefaultResolution(UNet2DConditionConfig config, int latentHeight, int latentWidth, int height, int width)
    {
        IReadOnlyList<(int Height, int Width)> available = CrossAttentionResolutions(config, latentHeight, latentWidth);
        if (available.Count == 0) throw new ArgumentException($"the UNet ({config.Source}) has no cross-attention layers");
        (int, int) reference = ((height + 31) / 32, (width + 31) / 32);
        return available.Contains(reference) ? reference : available.MaxBy(r => r.Height * r.Width);
    }

    /// <summary>The latent grids at which the UNet's blocks cross-attend (each downsampling halves, rounding up).</summary>
    public static IReadOnlyList<(int Height, int Width)> CrossAttentionResolutions(UNet2DConditionConfig config, int latentHeight, int latentWidth)
    {
        int n = config.DownBlockTypes.Length;
        (int, int) At(int level) => ((int)Math.Ceiling(latentHeight / Math.Pow(2, level)), (int)Math.Ceiling(latentWidth / Math.Pow(2, level)));
        var found = new List<(int, int)>();
        for (int i = 0; i < n; i++)
        {
            if (config.DownBlockTypes[i] == "CrossAttnDownBlock2D") found.Add(At(i));
            if (config.UpBlockTypes[i] == "CrossAttnUpBlock2D") found.Add(At(n - 1 - i));
        }
        if (config.MidBlockType == "UNetMidBlock2DCrossAttn") found.Add(At(n - 1));
        return found.Distinct().ToList();
    }

    /// <summary>The reference's step sizes: scaleFactor·√(linspace(start, end, steps)).</summary>
    public static double[] StepSizes(int steps, double scaleFactor, (double Start, double End) range) =>
        Enumerable.Range(0, steps).Select(i =>
            scaleFactor * Math.Sqrt(steps == 1 ? range.Start : range.Start + (range.End - range.Start) * i / (steps - 1))).ToArray();

    /// <summary>The reference's 25 altered steps of 50, as a fraction of <paramref name="steps"/> (rounded half up).</summary>
    public static int DefaultMaxIterToAlter(int steps) => (int)Math.Round(steps * 25.0 / ReferenceSteps, MidpointRounding.AwayFromZero);

    /// <summary>The reference's thresholds at steps 0, 10, 20 of 50, moved to the same fractions of <paramref name="steps"/>; where two land on one step the later (higher) wins.</summary>
    public static IReadOnlyDictionary<int, double> DefaultThresholds(int steps)
    {
        var thresholds = new Dictionary<int, double>();
        foreach ((int step, double threshold) in ReferenceThresholds)
            thresholds[(int)Math.Round(step * (double)steps / ReferenceSteps, MidpointRounding.AwayFromZero)] = threshold;
        return thresholds;
    }

    /// <summary>
    /// Each subject token's smoothed maximum attention (the reference's <c>_compute_max_attention_per_index</c>): from
    /// aggregated maps [H, W, T] drop the start token and the last position, softmax the rest ×100 over the tokens (sharpening
    /// which token wins each pixel), then Gaussian-smooth each subject's map and take its maximum. Differentiable.
    /// </summary>
    public static Tensor[] MaxAttentionPerToken(Tensor maps, IReadOnlyList<int> tokenIndices, int kernelSize = 3, double sigma = 0.5)
    {
        using var scope = torch.NewDisposeScope();
        long length = maps.Size(-1);
        Tensor text = F.Softmax(maps.Slice(-1, 1, length - 1) * 100.0, -1);
        Tensor[] maxima = tokenIndices.Select(index => GaussianSmoothing.Smooth(text.Select(-1, index - 1), kernelSize, sigma).Max()).ToArray();
        foreach (Tensor m in maxima) m.MoveToOuterScope();
        return maxima;
    }

    /// <summary>The Attend-and-Excite loss: the most neglected token's max(0, 1 − max attention) (the reference's <c>_compute_loss</c>).</summary>
    public static Tensor Loss(Tensor[] maxAttention)
    {
        using var scope = torch.NewDisposeScope();
        return (1.0 - torch.Stack(maxAttention)).Max().ClampMin(0.0).MoveToOuterScope();
    }

    private static void CheckTokens(ClipTokenizer tokenizer, string prompt, int[] tokens)
    {
        if (tokens.Length == 0) throw new ArgumentException("at least one subject token index is needed", "TokenIndices");
        int count = Math.Min(tokenizer.Tokenize(prompt).Count, tokenizer.ModelMaxLength - 2);
        foreach (int index in tokens)
            if (index < 1 || index > count)
                throw new ArgumentException($"token index {index} is not a prompt token (1 to {count}; 0 is the start token)", "TokenIndices");
    }

    private static Tensor Repeat(Tensor t, int batch) => batch == 1 ? t : t.Repeat(batch, 1, 1);

    // A measurement of latents: a leaf that requires grad, the loss built on it, and the per-token maxima as numbers.
    private sealed record Measurement(Tensor Latents, Tensor LossTensor, double Loss, IReadOnlyList<double> MaxAttention)
    {
        /// <summary>latents − stepSize·∇loss (the reference's <c>_update_latent</c>); frees the pass's graph.</summary>
        public Tensor Excite(double stepSize)
        {
            using var grad = Autograd.EnableGrad();
            Tensor gradient = Autograd.Grad([LossTensor], [Latents])[0]!;
            using var noGrad = Autograd.NoGrad();
            return Latents.Detach() - gradient * stepSize;
        }
    }

    private sealed class Measurer(UNet2DConditionModel unet, AttentionStore store, int[] tokens, AttendAndExciteOptions options, DType dtype)
    {
        // A conditional pass with grad on a copy of the latents, capturing cross-attention at the store's resolution.
        public Measurement Run(Tensor latents, double t, Tensor tTensor, IScheduler scheduler, Tensor conditional)
        {
            using var grad = Autograd.EnableGrad();
            Tensor leaf = latents.Detach().Clone().RequiresGrad_();
            store.Clear();
            unet.SetCrossAttentionHook(store.Record);
            try
            {
                using var passScope = torch.NewDisposeScope();
                unet.Forward(scheduler.ScaleModelInput(leaf, t).To(dtype), tTensor, conditional);
            }
            finally
            {
                unet.SetCrossAttentionHook(null);
            }
            using var scope = torch.NewDisposeScope();
            Tensor maps = store.Aggregate().To(DType.Float32);
            store.Clear();
            Tensor[] maxima = MaxAttentionPerToken(maps, tokens, options.SmoothingKernelSize, options.SmoothingSigma);
            Tensor loss = Loss(maxima).MoveToOuterScope();
            double[] values = maxima.Select(m => m.ToDouble()).ToArray();
            return new Measurement(leaf, loss, loss.ToDouble(), values);
        }
    }
}
