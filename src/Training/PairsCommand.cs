using System.CommandLine;
using System.Text.Json;
using Align.Pipelines;
using Training.Adapters;
using Training.Evaluation;
using Training.Preferences;
using Training.Rewards;

namespace Training;

/// <summary>
/// <c>align-train pairs</c>: a preference set from a model's own samples on ShapeWorld train-split prompts, judged by the
/// verifier (or a reward model): same-prompt pairs, or InstructEngine's cross-validation pairs with <c>--cross</c>.
/// </summary>
internal static class PairsCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "diffusers model directory", DefaultValueFactory = _ => "models/shapeworld/model" };
        var output = new Option<string>("--out") { Description = "writes pairs.jsonl, images/ and summary.json here", Required = true };
        var prompts = new Option<int>("--prompts-per-category") { Description = "train-split prompts per category", DefaultValueFactory = _ => 20 };
        var seeds = new Option<int>("--seeds") { Description = "images per prompt", DefaultValueFactory = _ => 4 };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 20 };
        var guidance = new Option<double>("--guidance") { DefaultValueFactory = _ => 5.0 };
        var categories = CategoryNames.NewOption("sample");
        var cross = new Option<bool>("--cross")
        {
            Description = "InstructEngine cross-validation pairs: a prompt x1 and a one-attribute contradiction x2, y1 passing x1 and failing x2, y2 the reverse; writes (x1, y1 ≻ y2) and (x2, y2 ≻ y1)",
        };
        var reward = new Option<string?>("--reward") { Description = "judge with this reward model directory (CLIP score, PickScore, HPSv2, aesthetic) instead of the ShapeWorld verifier; higher score is chosen" };
        var maxPairs = new Option<int>("--max-pairs-per-prompt") { DefaultValueFactory = _ => 4 };
        var margin = new Option<double>("--margin") { Description = "least score difference between chosen and rejected", DefaultValueFactory = _ => 0.0 };
        var promptSeed = new Option<int>("--prompt-seed") { Description = "seed of the prompt sample (and the contrasts)", DefaultValueFactory = _ => 0 };
        var firstSeed = new Option<long>("--first-seed") { Description = "noise seed of the first image; image k uses first-seed + k", DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { Description = "cpu or cuda:N", DefaultValueFactory = _ => "cpu" };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 0 };
        var method = new Option<string>("--method")
        {
            Description = "draw the images with this method, as eval's --method: base, best_of_n:N:REWARD, reno:ITERATIONS:REWARD or reno+best_of_n:ITERATIONS:N:REWARD " +
                          "(REWARD: reward, the --method-reward model, or verifier); the judge then pairs what the method returns",
            DefaultValueFactory = _ => "base",
        };
        var methodReward = new Option<string[]>("--method-reward")
        {
            Description = "the method's reward, as eval's --reward: NAME=DIR:WEIGHT, NAME=DIR or DIR; repeat for an ensemble",
            AllowMultipleArgumentsPerToken = true,
        };
        var adapters = new AdapterChoiceOption();
        var command = new Command("pairs", "Build a preference set (JSONL + PNGs) from a model's own samples judged by the ShapeWorld verifier or a reward")
        {
            model, output, prompts, seeds, steps, guidance, categories, cross, reward, maxPairs, margin, promptSeed, firstSeed, device, threads,
            method, methodReward, adapters.Option,
        };
        command.SetAction(result =>
        {
            int n = result.GetValue(threads);
            Torch.torch.NumThreads = n > 0 ? n : Environment.ProcessorCount;
            TextWriter o = result.InvocationConfiguration.Output;
            var plan = new PairPlan(result.GetValue(prompts), result.GetValue(seeds), result.GetValue(steps), result.GetValue(guidance),
                CategoryNames.From(result, categories),
                result.GetValue(promptSeed), result.GetValue(firstSeed), result.GetValue(maxPairs), result.GetValue(margin), result.GetValue(cross));
            if (plan.Seeds < 1 || plan.PromptsPerCategory < 1) throw new ArgumentException("--seeds and --prompts-per-category must be at least 1");
            if (!plan.Cross && plan.Seeds < 2) throw new ArgumentException("--seeds must be at least 2: a pair needs two images of a prompt");
            RewardSpec[] methodRewards = (result.GetValue(methodReward) ?? []).Select(RewardSpec.Parse).ToArray();
            string methodSpec = result.GetValue(method)!;
            if (methodSpec == "base" && methodRewards.Length > 0) throw new ArgumentException("--method-reward is the reward of a --method; base samples plainly");
            var target = Torch.Device.Parse(result.GetValue(device)!);
            using StableDiffusionModel sd = StableDiffusionModel.Load(result.GetValue(model)!, target).Freeze();
            using ChosenAdapters applied = adapters.Load(result, sd);
            using var activation = sd.Adapters.Activate(applied.Items);
            using IImageJudge judge = result.GetValue(reward) is string dir ? RewardJudge.Load(dir, target) : new VerifierJudge();
            using LoadedRewards? loadedMethodRewards = methodRewards.Length > 0 ? RewardSpec.Load(methodRewards, target, "method-reward") : null;
            // base keeps the batched plain path (one device batch per prompt and its contrast), not EvalMethod's per-request one
            EvalMethod? sampler = methodSpec == "base" ? null : EvalMethod.Parse(methodSpec, loadedMethodRewards?.Ensemble, "--method-reward");
            string imagesBy = sampler?.Name ?? "base";
            var pipeline = new TextToImagePipeline(sd, new PromptCache(sd.Prompts, 256));
            string outDir = result.GetValue(output)!;
            PairSummary summary = new PairBuilder(pipeline, judge, plan, sampler).Run(outDir, o.WriteLine);

            o.WriteLine();
            o.WriteLine($"judge: {summary.Judge}{(plan.Cross ? " (cross-validation pairs)" : "")}; images: {imagesBy}");
            o.WriteLine($"{"category",-20} {"prompts",7} {"kept",5} {"images",7} {"score",6} {"pairs",6}");
            foreach (CategoryPairs c in summary.Categories)
                o.WriteLine($"{c.Category,-20} {c.Prompts,7} {c.PromptsKept,5} {c.Images,7} {c.MeanScore,6:F3} {c.Pairs,6}");
            o.WriteLine($"{"total",-20} {summary.Categories.Sum(c => c.Prompts),7} {summary.Categories.Sum(c => c.PromptsKept),5} " +
                        $"{summary.Categories.Sum(c => c.Images),7} {"",6} {summary.Pairs,6}");
            o.WriteLine($"manifest: {summary.Manifest}");
            File.WriteAllText(Path.Combine(outDir, "summary.json"), JsonSerializer.Serialize(new { plan, model = result.GetValue(model), method = imagesBy, method_reward = methodRewards.Select(r => r.ToString()), adapters = applied.Describe(), summary },
                new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals, Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } }));
            if (summary.Pairs > 0) return 0;
            o.WriteLine("no pairs: every prompt's images agreed (try more --seeds or --prompts-per-category, or other --categories)");
            return 1;
        });
        return command;
    }
}
