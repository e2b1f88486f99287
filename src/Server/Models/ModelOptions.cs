namespace Server.Models;

/// <summary>
/// The models to serve, bound from "Server:Models" (a list). With none configured, the embedded ShapeWorld model is
/// served under the name "shapeworld".
/// </summary>
public sealed class ModelOptions
{
    /// <summary>Name requests use in "model".</summary>
    public string Name { get; set; } = "";

    /// <summary>A diffusers directory (model_index.json, unet/, vae/, text_encoder/, tokenizer/, scheduler/).</summary>
    public string Path { get; set; } = "";

    /// <summary>"cpu" or "cuda:N".</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>"float32", "float16" or "bfloat16"; default: float16 on CUDA, float32 on CPU.</summary>
    public string? DType { get; set; }

    public int DefaultSteps { get; set; } = 20;
    public double DefaultGuidance { get; set; } = 5.0;

    /// <summary>Reward models scored on every image this model returns (see <see cref="RewardOptions"/>).</summary>
    public List<string> Rewards { get; set; } = [];

    /// <summary>
    /// Reward weights alignment methods use when a request names none (of this model's <see cref="Rewards"/>); empty: the
    /// first differentiable reward with weight 1.
    /// </summary>
    public Dictionary<string, double> AlignmentRewards { get; set; } = [];

    /// <summary>
    /// ReNO recomputes each UNet call in its backward pass instead of keeping the activations of every denoising step:
    /// about one more UNet forward per step, for the memory of one step. For large models on a memory-bound device.
    /// </summary>
    public bool GradientCheckpointing { get; set; }

    /// <summary>
    /// An adapter of the store to keep fused into the weights, for speed when most requests use it. Only an optimisation:
    /// every request still gets exactly the adapters it names (the fused one is cancelled or re-weighted at run time for
    /// requests that ask otherwise), and a new version of it is fused between batches.
    /// </summary>
    public string? FusedAdapter { get; set; }

    /// <summary>The weight <see cref="FusedAdapter"/> is fused at: requests naming it at this weight run without its branch.</summary>
    public double FusedAdapterWeight { get; set; } = 1.0;

    /// <summary>Prompt embeddings kept per model (an LRU cache).</summary>
    public int PromptCacheSize { get; set; } = 256;
}

/// <summary>A reward model, bound from "Server:Rewards" (a list).</summary>
public sealed class RewardOptions
{
    public string Name { get; set; } = "";

    /// <summary>
    /// "model": a reward model directory, its layout recognised (transformers CLIPModel: CLIP score or PickScore; open_clip:
    /// HPSv2; CLIPModel + aesthetic_mlp.safetensors: LAION aesthetic predictor); or "shapeworld-verifier" or
    /// "shapeworld-soft-verifier" (its differentiable relaxation), which need no files.
    /// </summary>
    public string Kind { get; set; } = "model";

    public string? Path { get; set; }

    public string Device { get; set; } = "cpu";
}

/// <summary>The "Server" section's model and reward lists.</summary>
public sealed class CatalogOptions
{
    public List<ModelOptions> Models { get; set; } = [];
    public List<RewardOptions> Rewards { get; set; } = [];
}
