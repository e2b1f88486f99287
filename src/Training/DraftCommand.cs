using System.CommandLine;
using System.Globalization;
using Align.Pipelines;
using Align.Rewards;
using Torch;
using Training.Adapters;
using Training.Draft;
using Training.Loop;
using Training.Rewards;

namespace Training;

/// <summary>
/// <c>align-train draft</c>: DRaFT fine-tuning of a UNet LoRA on differentiable rewards (default: the CLIP reward beside
/// the model, models/shapeworld/reward for the embedded one), on ShapeWorld train-split prompts, through the shared
/// adapter-training host (evaluation before/after, checkpoints and resume, curves, metadata, publishing).
/// </summary>
internal static class DraftCommand
{
    public static Command Create()
    {
        var shared = new AdapterTrainingOptions();
        var rewards = new Option<string[]>("--reward")
        {
            Description = "differentiable reward model(s) as NAME=DIR:WEIGHT, NAME=DIR or DIR (weight 1); repeat for an ensemble. " +
                          "Default: the CLIP reward in reward/ beside the model directory (models/shapeworld/reward)",
            AllowMultipleArgumentsPerToken = true,
        };
        var sampleSteps = new Option<int>("--sample-steps") { Description = "sampling steps (the model's scheduler) per training image", DefaultValueFactory = _ => 10 };
        var k = new Option<int>("--k") { Description = "DRaFT-K: back-propagate through the last K sampling steps only", DefaultValueFactory = _ => 1 };
        var lv = new Option<int>("--lv")
        {
            Description = "DRaFT-LV: re-noise the finished sample to the last timestep N times and denoise each once with grad (needs --k 1; 0: off)",
            DefaultValueFactory = _ => 0,
        };
        var checkpointing = new Option<bool>("--gradient-checkpointing") { Description = "recompute each grad step's UNet call in the backward pass (less memory, one more UNet forward per grad step)" };
        var kl = new Option<double>("--kl") { Description = "weight of the mean squared difference between the adapted and the base model's noise predictions at the grad steps" };
        var decay = new Option<double>("--lora-scale-decay") { Description = "weight of the L2 penalty Σ‖scale·B·A‖² on the LoRA's weight deltas" };
        var expReward = new Option<bool>("--exp-reward")
        {
            Description = "maximise exp(Σ wᵢ·rewardᵢ): for log-probability rewards (the soft verifier, the judges) the probability itself, " +
                          "so hopeless samples stop dominating the gradient",
        };
        var size = new Option<int?>("--size") { Description = "training image size (default: the model's)" };
        var command = new Command("draft", "DRaFT: fine-tune a LoRA by back-propagating a differentiable reward through the last sampling steps");
        shared.AddTo(command);
        foreach (Option option in new Option[] { rewards, sampleSteps, k, lv, checkpointing, kl, decay, expReward, size }) command.Options.Add(option);
        command.SetAction(result =>
        {
            AdapterTrainingSettings settings = shared.Read(result);
            var draft = new DraftSettings
            {
                SampleSteps = result.GetValue(sampleSteps),
                K = result.GetValue(k),
                Lv = result.GetValue(lv),
                Guidance = settings.Guidance,
                Size = result.GetValue(size),
                GradientCheckpointing = result.GetValue(checkpointing),
                KlWeight = result.GetValue(kl),
                LoraDecay = result.GetValue(decay),
                ExpReward = result.GetValue(expReward),
            };
            draft.Validate();
            if (settings.Batch < 1) throw new ArgumentException($"--batch must be at least 1, got {settings.Batch}");

            RewardSpec[] specs = (result.GetValue(rewards) ?? []) is { Length: > 0 } given ? given.Select(RewardSpec.Parse).ToArray() : [DefaultReward(settings.Model)];
            using LoadedRewards loaded = RewardSpec.Load(specs, Device.Parse(settings.Device), "draft");
            RewardEnsemble ensemble = loaded.Ensemble;
            ensemble.RequireDifferentiable("DRaFT");
            var hyper = new Dictionary<string, object>
            {
                ["sample_steps"] = draft.SampleSteps, ["k"] = draft.K, ["lv"] = draft.Lv, ["guidance"] = draft.Guidance,
                ["gradient_checkpointing"] = draft.GradientCheckpointing, ["kl"] = draft.KlWeight, ["lora_scale_decay"] = draft.LoraDecay, ["exp_reward"] = draft.ExpReward,
                ["rewards"] = specs.ToDictionary(r => r.Name, r => r.Weight),
            };
            if (draft.Size is int s) hyper["size"] = s;
            string trainingData = string.Create(CultureInfo.InvariantCulture,
                $"ShapeWorld train-split prompts (example stream seed {settings.Seed}), {settings.Batch} per step, sampled on-policy " +
                $"({draft.SampleSteps} steps, guidance {draft.Guidance}) and scored by {string.Join(" + ", specs.Select(r => $"{r.Weight}·{r.Name} ({Path.GetFullPath(r.Directory)})"))}");
            ConsoleProgress.Run(progress => AdapterTrainer.Run(settings, "draft", trainingData, hyper,
                (model, adapter) => new DraftTask(new TextToImagePipeline(model), adapter, ensemble, draft, settings.Batch, unchecked((int)settings.Seed)), progress));
            return 0;
        });
        return command;
    }

    // The ShapeWorld layout: the CLIP reward in reward/ beside the model directory.
    private static RewardSpec DefaultReward(string model)
    {
        string parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(model))) ?? ".";
        string reward = Path.Combine(parent, "reward");
        if (!File.Exists(Path.Combine(reward, "config.json")))
            throw new ArgumentException($"--reward: none given and no reward model at {reward} (beside the model, as in models/shapeworld)");
        return new RewardSpec("shapeworld-clip", reward, 1.0);
    }
}
