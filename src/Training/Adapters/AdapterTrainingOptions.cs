using System.CommandLine;
using Align.Adapters;

namespace Training.Adapters;

/// <summary>The command-line options every adapter-training command takes (dpo, draft), read into <see cref="AdapterTrainingSettings"/>.</summary>
public sealed class AdapterTrainingOptions
{
    private readonly Option<string> _model = new("--model") { Description = "base model (diffusers directory), e.g. models/shapeworld/model", Required = true };
    private readonly Option<string> _output = new("--out") { Description = "run directory: checkpoints, curves, evaluation, adapter/", Required = true };
    private readonly Option<string> _name = new("--name") { Description = "adapter name (in the store and in requests)", Required = true };
    private readonly Option<int> _rank = new("--rank") { DefaultValueFactory = _ => 8 };
    private readonly Option<double?> _alpha = new("--alpha") { Description = "LoRA alpha (default: the rank, scale 1)" };
    private readonly Option<string[]> _targets = new("--targets")
    {
        Description = "target modules as component:name (unet:to_q, text_encoder:q_proj) or presets unet-attention, unet-ff, unet-convs, text-attention, text-mlp",
        DefaultValueFactory = _ => ["unet-attention"],
        AllowMultipleArgumentsPerToken = true,
    };
    private readonly Option<string?> _init = new("--init-adapter")
    {
        Description = "start from this adapter's weights (same targets and rank) instead of B = 0, e.g. a second round of DPO on pairs sampled with the first round's adapter",
    };
    private readonly Option<double> _lr = new("--lr") { DefaultValueFactory = _ => 1e-4 };
    private readonly Option<int> _steps = new("--steps") { DefaultValueFactory = _ => 500 };
    private readonly Option<int> _batch = new("--batch") { DefaultValueFactory = _ => 4 };
    private readonly Option<int> _accumulation = new("--grad-accumulation") { Description = "micro-batches per optimiser step", DefaultValueFactory = _ => 1 };
    private readonly Option<ulong> _seed = new("--seed") { DefaultValueFactory = _ => 1UL };
    private readonly Option<int> _checkpointEvery = new("--checkpoint-every") { DefaultValueFactory = _ => 100 };
    private readonly Option<double?> _minutes = new("--minutes") { Description = "stop (with a checkpoint) after this many minutes" };
    private readonly Option<int> _evalPrompts = new("--eval-prompts") { Description = "ShapeWorld prompts per category for the before/after evaluation (0: none)", DefaultValueFactory = _ => 10 };
    private readonly Option<int> _evalSeeds = new("--eval-seeds") { DefaultValueFactory = _ => 4 };
    private readonly Option<int> _evalSteps = new("--eval-steps") { DefaultValueFactory = _ => 20 };
    private readonly Option<double> _guidance = new("--guidance") { DefaultValueFactory = _ => 5.0 };
    private readonly Option<string?> _publish = new("--publish") { Description = "adapter store directory to publish the trained adapter to" };
    private readonly Option<string> _device = new("--device") { DefaultValueFactory = _ => "cpu" };
    private readonly Option<int> _threads = new("--threads") { DefaultValueFactory = _ => 0 };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _model, _output, _name, _rank, _alpha, _targets, _init, _lr, _steps, _batch, _accumulation, _seed,
                     _checkpointEvery, _minutes, _evalPrompts, _evalSeeds, _evalSteps, _guidance, _publish, _device, _threads })
            command.Options.Add(option);
    }

    public AdapterTrainingSettings Read(ParseResult result)
    {
        int threads = result.GetValue(_threads);
        Torch.torch.NumThreads = threads > 0 ? threads : Environment.ProcessorCount;
        return new AdapterTrainingSettings
        {
            Model = result.GetValue(_model)!,
            Output = result.GetValue(_output)!,
            Name = result.GetValue(_name)!,
            Rank = result.GetValue(_rank),
            Alpha = result.GetValue(_alpha),
            Targets = ParseTargets(result.GetValue(_targets) ?? []),
            InitAdapter = result.GetValue(_init),
            LearningRate = result.GetValue(_lr),
            Steps = result.GetValue(_steps),
            Batch = result.GetValue(_batch),
            GradientAccumulation = result.GetValue(_accumulation),
            Seed = result.GetValue(_seed),
            CheckpointEvery = result.GetValue(_checkpointEvery),
            TimeBudget = result.GetValue(_minutes) is double m ? TimeSpan.FromMinutes(m) : null,
            EvalPrompts = result.GetValue(_evalPrompts),
            EvalSeeds = result.GetValue(_evalSeeds),
            EvalSteps = result.GetValue(_evalSteps),
            Guidance = result.GetValue(_guidance),
            Publish = result.GetValue(_publish),
            Device = result.GetValue(_device)!,
        };
    }

    /// <summary>"unet-attention" style presets and "component:name" entries, grouped by component.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> ParseTargets(IEnumerable<string> specs)
    {
        var targets = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string component, IEnumerable<string> names)
        {
            if (!targets.TryGetValue(component, out List<string>? list)) targets[component] = list = [];
            list.AddRange(names.Where(n => !list.Contains(n)));
        }
        foreach (string spec in specs)
        {
            switch (spec)
            {
                case "unet-attention": Add(AdapterKeys.UNet, LoraConfig.UNetAttention); break;
                case "unet-ff": Add(AdapterKeys.UNet, LoraConfig.UNetFeedForward); break;
                case "unet-convs": Add(AdapterKeys.UNet, LoraConfig.UNetResnetConvs); break;
                case "text-attention": Add(AdapterKeys.TextEncoder, LoraConfig.TextEncoderAttention); break;
                case "text-mlp": Add(AdapterKeys.TextEncoder, LoraConfig.TextEncoderMlp); break;
                default:
                    int colon = spec.IndexOf(':');
                    if (colon <= 0 || colon == spec.Length - 1)
                        throw new ArgumentException($"--targets: '{spec}' is neither a preset (unet-attention, unet-ff, unet-convs, text-attention, text-mlp) nor component:name");
                    Add(spec[..colon], [spec[(colon + 1)..]]);
                    break;
            }
        }
        if (targets.Count == 0) throw new ArgumentException("--targets: name at least one target");
        return targets.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value);
    }
}
