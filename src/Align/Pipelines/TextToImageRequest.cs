namespace Align.Pipelines;

/// <summary>What one text-to-image run needs: one prompt, one image per seed.</summary>
/// <param name="Seeds">one per image; image i starts from <c>randn([1, C, h, w], Generator(seed_i))</c> on CPU, as diffusers does with a list of generators</param>
/// <param name="Guidance">classifier-free guidance scale; ≤ 1 turns guidance off (one UNet pass per step)</param>
/// <param name="ClipSkip">use the text encoder's hidden state this many layers before the last (diffusers' clip_skip)</param>
/// <param name="OriginalSize">SDXL's size conditioning (height, width); defaults to the output size</param>
/// <param name="CropTopLeft">SDXL's crop conditioning (top, left)</param>
/// <param name="TargetSize">SDXL's target-size conditioning (height, width); defaults to the output size</param>
/// <param name="Scheduler">a sampler of <see cref="Schedulers.SchedulerChoice.Names"/> in place of the model's own scheduler</param>
public sealed record TextToImageRequest(
    string Prompt,
    IReadOnlyList<long> Seeds,
    int Width,
    int Height,
    int Steps,
    double Guidance,
    string? NegativePrompt = null,
    int? ClipSkip = null,
    (int Height, int Width)? OriginalSize = null,
    (int Top, int Left) CropTopLeft = default,
    (int Height, int Width)? TargetSize = null,
    string? Scheduler = null);
