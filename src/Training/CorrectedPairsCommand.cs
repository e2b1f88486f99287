using System.CommandLine;
using Align.Pipelines;
using Training.Evaluation;
using Training.Preferences;
using Training.Rewards;

namespace Training;

/// <summary>
/// <c>align-train corrected-pairs</c>: each rejected image of a verifier-judged manifest redrawn from its seed by an alignment
/// method, paired as chosen against it where the verifier passes it (<see cref="CorrectedPairs"/>).
/// </summary>
internal static class CorrectedPairsCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "a manifest of align-train pairs (verifier-judged, same-prompt); its rejected images and seeds are redrawn", Required = true };
        var output = new Option<string>("--out") { Description = "writes pairs.jsonl and the corrected images/ here", Required = true };
        var model = new Option<string>("--model") { Description = "the diffusers model that drew the manifest's images", DefaultValueFactory = _ => "models/shapeworld/model" };
        var method = new Option<string>("--method")
        {
            Description = "the correcting method, as eval's --method: reno:ITERATIONS:REWARD, best_of_n:N:REWARD, … (REWARD: reward, the --method-reward model)",
            Required = true,
        };
        var methodReward = new Option<string[]>("--method-reward")
        {
            Description = "the method's reward, as eval's --reward: NAME=DIR:WEIGHT, NAME=DIR, DIR or shapeworld-soft-verifier; repeat for an ensemble",
            AllowMultipleArgumentsPerToken = true,
        };
        var stopAt = new Option<double?>("--stop-at-reward")
        {
            Description = "a reno method stops once every redraw of a prompt scores at least this on the method's reward "
                          + "(the soft verifier's log P(pass): -0.105 is P = 0.9); default: all its iterations",
        };
        var perCategory = new Option<int?>("--per-category") { Description = "at most this many rejected images per category, the first in the manifest (default all)" };
        var categories = CategoryNames.NewOption("redraw");
        var steps = new Option<int>("--steps") { Description = "the manifest's sampling steps", DefaultValueFactory = _ => 20 };
        var guidance = new Option<double>("--guidance") { Description = "the manifest's guidance", DefaultValueFactory = _ => 5.0 };
        var device = new Option<string>("--device") { Description = "cpu or cuda:N", DefaultValueFactory = _ => "cpu" };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 0 };
        var command = new Command("corrected-pairs",
            "Preference pairs whose chosen image is a failed sample corrected from its own noise by an alignment method (e.g. ReNO) and passed by the verifier")
        {
            from, output, model, method, methodReward, stopAt, perCategory, categories, steps, guidance, device, threads,
        };
        command.SetAction(result =>
        {
            int n = result.GetValue(threads);
            Torch.torch.NumThreads = n > 0 ? n : Environment.ProcessorCount;
            TextWriter o = result.InvocationConfiguration.Output;
            RewardSpec[] rewards = (result.GetValue(methodReward) ?? []).Select(RewardSpec.Parse).ToArray();
            var target = Torch.Device.Parse(result.GetValue(device)!);
            string source = result.GetValue(from)!;
            if (!File.Exists(source)) throw new FileNotFoundException($"{source}: manifest not found", source);
            using StableDiffusionModel sd = StableDiffusionModel.Load(result.GetValue(model)!, target).Freeze();
            using LoadedRewards? loaded = rewards.Length > 0 ? RewardSpec.Load(rewards, target, "method-reward") : null;
            EvalMethod corrector = EvalMethod.Parse(result.GetValue(method)!, loaded?.Ensemble, "--method-reward");
            if (result.GetValue(stopAt) is double bar)
                corrector = corrector is RenoMethod reno
                    ? reno.StoppingAt(bar)
                    : throw new ArgumentException($"--stop-at-reward: only a reno method stops at a reward, not {corrector.Name}");
            var pipeline = new TextToImagePipeline(sd, new PromptCache(sd.Prompts, 256));
            var (manifest, counts) = new CorrectedPairs(pipeline, corrector, result.GetValue(steps), result.GetValue(guidance))
                .Run(source, result.GetValue(output)!, CategoryNames.From(result, categories), result.GetValue(perCategory), o.WriteLine);
            int pairs = counts.Sum(c => c.Pairs);
            o.WriteLine($"{pairs} pairs: {corrector.Name} passed {pairs} of {counts.Sum(c => c.Redrawn)} rejected images redrawn");
            o.WriteLine($"manifest: {manifest}");
            return pairs > 0 ? 0 : 1;
        });
        return command;
    }
}
