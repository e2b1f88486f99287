using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Align.Adapters;
using Align.Schedulers;
using Training.Adapters;
using Training.Dpo;
using Training.Loop;
using Training.Preferences;

namespace Training;

/// <summary>
/// <c>align-train dpo</c>: Diffusion-DPO into a LoRA adapter on preference manifests (see <c>align-train pairs</c>), through
/// the shared adapter-training host: frozen base, seeded LoRA, ShapeWorld evaluation before and after, checkpoints and
/// resume, curves, the adapter with its metadata, and --publish.
/// </summary>
internal static class DpoCommand
{
    public static Command Create()
    {
        var shared = new AdapterTrainingOptions();
        var pairs = new Option<string[]>("--pairs", "--manifest")
        {
            Description = "preference manifests (JSONL: prompt, chosen, rejected; image paths relative to each); one listed twice weighs twice",
            Required = true, AllowMultipleArgumentsPerToken = true,
        };
        var beta = new Option<double>("--beta") { Description = "DPO β (KL weight; Diffusion-DPO used 5000 at SD scale)", DefaultValueFactory = _ => 5000.0 };
        var chosenWeight = new Option<double>("--chosen-weight") { Description = "λ of the chosen images' own denoising loss added to the DPO loss (RPO's NLL term; 0: DPO alone)", DefaultValueFactory = _ => 0.0 };
        var dropPrompt = new Option<double>("--drop-prompt") { Description = "probability of training a pair on the empty prompt (classifier-free guidance dropout)", DefaultValueFactory = _ => 0.0 };
        var resolution = new Option<int?>("--resolution") { Description = "image size the pairs are encoded at (default: the model's, 64 for ShapeWorld)" };
        var timesteps = new Option<string?>("--timesteps") { Description = "FIRST:END: draw training timesteps from [FIRST, END) only (default: the whole schedule), e.g. 400:1000 for the noisy part where layout is decided" };
        var command = new Command("dpo", "Diffusion-DPO into a LoRA adapter on preference pairs, with the frozen base as the reference") { pairs, beta, chosenWeight, dropPrompt, resolution, timesteps };
        shared.AddTo(command);
        command.SetAction(result =>
        {
            AdapterTrainingSettings s = shared.Read(result);
            string[] manifests = result.GetValue(pairs)!.Select(Path.GetFullPath).ToArray();
            double b = result.GetValue(beta), drop = result.GetValue(dropPrompt), lambda = result.GetValue(chosenWeight);
            if (!(b > 0)) throw new ArgumentException("--beta must be positive");
            if (!(lambda >= 0) || double.IsInfinity(lambda)) throw new ArgumentException("--chosen-weight must be a finite number ≥ 0");
            if (drop is < 0 or > 1) throw new ArgumentException("--drop-prompt must be in [0, 1]");
            IReadOnlyList<PreferencePair> read = PairManifest.ReadMany(manifests);
            string trainingData = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["manifests"] = manifests,
                ["pairs"] = read.Count,
                ["prompts"] = read.Select(p => p.Prompt).Distinct().Count(),
                ["categories"] = read.GroupBy(p => p.Category ?? "").ToDictionary(g => g.Key, g => g.Count()),
            });
            TimestepWindow? window = result.GetValue(timesteps) is { } text ? TimestepWindow.Parse(text, TrainTimesteps(s.Model)) : null;
            var hyper = new Dictionary<string, object> { ["beta"] = b, ["chosen_weight"] = lambda, ["drop_prompt"] = drop };
            TextWriter o = result.InvocationConfiguration.Output;
            AdapterRunResult? run = null;
            PreferenceData? data = null;
            // The host copies the hyperparameters when it writes the adapter, after the task is made: what the data decides goes in too.
            ConsoleProgress.Run(progress => run = AdapterTrainer.Run(s, "dpo", trainingData, hyper, (model, adapter) =>
            {
                data = new PreferenceData(model, read, result.GetValue(resolution));
                var dpo = new DiffusionDpo(model, adapter, b, lambda);
                var task = new DpoTask(dpo, data, adapter, s.Batch, drop, window);
                hyper["timesteps"] = task.Timesteps.ToString();
                hyper["resolution"] = data.Resolution;
                hyper["prediction_type"] = dpo.PredictionTypeName;
                progress.Message($"dpo: {data.Count} pairs ({data.Images} images, {data.Prompts} prompts) encoded at {data.Resolution}×{data.Resolution}; " +
                                 string.Create(CultureInfo.InvariantCulture, $"β = {b}, chosen weight {lambda}, {dpo.PredictionTypeName} target"));
                return task;
            }, progress));
            data?.Dispose();
            if (run is { Base: { } before, Adapted: { } after })
                o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"verifier accuracy: base {before.Overall.Accuracy:P1} → adapter {after.Overall.Accuracy:P1}"));
            return 0;
        });
        return command;
    }

    private static int TrainTimesteps(string model)
    {
        using IScheduler scheduler = SchedulerFactory.FromConfig(Path.Combine(model, "scheduler"));
        return scheduler.NumTrainTimesteps;
    }
}
