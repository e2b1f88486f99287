using System.CommandLine;
using System.Text.Json;
using Align.Pipelines;
using Align.Rewards;
using Align.ShapeWorld;
using Training.Adapters;
using Training.Evaluation;
using Training.Rewards;

namespace Training;

/// <summary><c>align-train eval</c>: verifier accuracy per category, mean CLIP reward and throughput on a ShapeWorld prompt suite.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "diffusers model directory", Required = true };
        var reward = new Option<string[]>("--reward")
        {
            Description = "reward model directory (any layout RewardModels reads: the ShapeWorld CLIP, a judge, shapeworld-soft-verifier, ...) " +
                          "for the reward column and the methods' REWARD, as NAME=DIR:WEIGHT, NAME=DIR or DIR (weight 1); repeat for an ensemble (the weighted sum)",
            AllowMultipleArgumentsPerToken = true,
        };
        var prompts = new Option<int>("--prompts") { Description = "prompts per category", DefaultValueFactory = _ => 50 };
        var seeds = new Option<int>("--seeds") { Description = "seeds (images) per prompt", DefaultValueFactory = _ => 4 };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 20 };
        var guidance = new Option<double>("--guidance") { DefaultValueFactory = _ => 5.0 };
        var scheduler = new Option<string?>("--scheduler")
        {
            Description = $"sample with this instead of the model's own scheduler ({string.Join(", ", Align.Schedulers.SchedulerChoice.Names)})",
        };
        scheduler.AcceptOnlyFromAmong([.. Align.Schedulers.SchedulerChoice.Names]);
        var categories = CategoryNames.NewOption("evaluate");
        var split = new Option<Split>("--split") { DefaultValueFactory = _ => Split.Eval };
        var output = new Option<string?>("--out") { Description = "writes eval.json and a PNG grid per category here" };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 0 };
        var method = new Option<string>("--method")
        {
            Description = "base, attend_excite, best_of_n:N:REWARD, reno:ITERATIONS:REWARD or reno+best_of_n:ITERATIONS:N:REWARD (REWARD: reward, the --reward model, or verifier)",
            DefaultValueFactory = _ => "base",
        };
        var shifts = new Option<string?>("--reward-shifts")
        {
            Description = "COPIES:MAX: the methods' REWARD scores each image as its mean over COPIES random shifts of up to MAX pixels (ShiftAugmentedReward); the reward column stays unshifted",
        };
        var device = new Option<string>("--device") { Description = "cpu or cuda:N", DefaultValueFactory = _ => "cpu" };
        var adapters = new AdapterChoiceOption();
        var command = new Command("eval", "Evaluate a model on ShapeWorld: per-category verifier accuracy, mean CLIP reward, images/second")
        {
            model, reward, prompts, seeds, steps, guidance, scheduler, categories, split, output, threads, method, shifts, device, adapters.Option,
        };
        command.SetAction(result =>
        {
            int n = result.GetValue(threads);
            Torch.torch.NumThreads = n > 0 ? n : Environment.ProcessorCount;
            TextWriter o = result.InvocationConfiguration.Output;
            var target = Torch.Device.Parse(result.GetValue(device)!);
            using StableDiffusionModel sd = StableDiffusionModel.Load(result.GetValue(model)!, target).Freeze();
            using ChosenAdapters applied = adapters.Load(result, sd);
            using var activation = sd.Adapters.Activate(applied.Items);
            RewardSpec[] rewardSpecs = (result.GetValue(reward) ?? []).Select(RewardSpec.Parse).ToArray();
            using LoadedRewards? loaded = rewardSpecs.Length > 0 ? RewardSpec.Load(rewardSpecs, target, "reward") : null;
            IRewardModel? rewardModel = loaded?.Ensemble;
            string? shiftSpec = result.GetValue(shifts);
            if (shiftSpec is not null && rewardModel is null) throw new ArgumentException("--reward-shifts needs a --reward to shift");
            using IRewardModel? shifted = shiftSpec is null ? null : ShiftedReward(shiftSpec, rewardModel!);
            EvalMethod evalMethod = EvalMethod.Parse(result.GetValue(method)!, shifted ?? rewardModel);
            var plan = new EvalPlan(result.GetValue(prompts), result.GetValue(seeds), result.GetValue(steps), result.GetValue(guidance), result.GetValue(split),
                Categories: CategoryNames.From(result, categories),
                Scheduler: result.GetValue(scheduler));
            string? outDir = result.GetValue(output);
            EvalResult r = new ShapeWorldEval(new TextToImagePipeline(sd, new PromptCache(sd.Prompts, 256)), rewardModel, evalMethod).Run(plan, outDir, o.WriteLine);
            o.WriteLine();
            o.WriteLine($"method: {r.Method}{string.Concat(applied.Items.Select(a => $" + {a.Adapter.Name} ({a.Weight:G4})"))}");
            o.WriteLine($"{"category",-20} {"images",7} {"accuracy",9} {"reward",8}");
            foreach (CategoryResult c in r.Categories.Append(r.Overall))
                o.WriteLine($"{c.Category,-20} {c.Images,7} {c.Accuracy,9:P1} {(c.MeanReward is double m ? m.ToString("F3") : "—"),8}");
            o.WriteLine($"throughput: {r.ImagesPerSecond:F2} images/s ({r.SecondsPerImage * 1000:F0} ms per image, {plan.Steps} steps of {plan.Scheduler ?? "the model's scheduler"}, guidance {plan.Guidance})");
            if (outDir is not null)
            {
                Directory.CreateDirectory(outDir);
                File.WriteAllText(Path.Combine(outDir, "eval.json"), JsonSerializer.Serialize(new { plan, adapters = applied.Describe(), result = r },
                    new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
            }
            return 0;
        });
        return command;
    }

    private static ShiftAugmentedReward ShiftedReward(string spec, IRewardModel reward)
    {
        string[] p = spec.Split(':');
        return p.Length == 2 && int.TryParse(p[0], out int copies) && int.TryParse(p[1], out int max)
            ? new ShiftAugmentedReward(reward, copies, max)
            : throw new ArgumentException($"--reward-shifts '{spec}': expected COPIES:MAX, e.g. 4:2");
    }
}
