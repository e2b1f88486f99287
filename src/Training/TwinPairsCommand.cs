using System.CommandLine;
using Align.ShapeWorld;
using Training.Preferences;

namespace Training;

/// <summary><c>align-train twin-pairs</c>: preference pairs of rendered counterfactual twins (<see cref="RenderedTwinPairs"/>), no model needed.</summary>
internal static class TwinPairsCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "writes pairs.jsonl and the rendered images/ here", Required = true };
        var prompts = new Option<int>("--prompts-per-category") { Description = "train-split prompts per category (drawn as align-train pairs draws them)", DefaultValueFactory = _ => 100 };
        var perPrompt = new Option<int>("--per-prompt") { Description = "twin pairs per prompt, each from its own scene and contradiction", DefaultValueFactory = _ => 4 };
        Option<string[]> categories = CategoryNames.NewOption("render");
        var promptSeed = new Option<int>("--prompt-seed") { Description = "seed of the prompt draw", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "seed of the scenes and contradictions; also the first image's number", DefaultValueFactory = _ => 0 };
        var size = new Option<int>("--size") { Description = "rendered image size (the model's, 64 for ShapeWorld)", DefaultValueFactory = _ => SceneRenderer.DefaultSize };
        var cross = new Option<bool>("--cross") { Description = "also write each pair mirrored, (contradiction, twin ≻ scene): InstructEngine's cross-validation triples" };
        var command = new Command("twin-pairs", "Preference pairs of rendered counterfactual twins: a scene for a train prompt ≻ the same scene edited to contradict it in one attribute")
        {
            output, prompts, perPrompt, categories, promptSeed, seed, size, cross,
        };
        command.SetAction(result =>
        {
            var plan = new RenderedTwinPairs.Plan(result.GetValue(prompts), result.GetValue(perPrompt), CategoryNames.From(result, categories),
                result.GetValue(promptSeed), result.GetValue(seed), result.GetValue(size), result.GetValue(cross));
            (string manifest, var written) = RenderedTwinPairs.Run(result.GetValue(output)!, plan);
            foreach ((Category category, int pairs) in written)
                result.InvocationConfiguration.Output.WriteLine($"{Spec.CategoryName(category)}: {pairs} pairs");
            result.InvocationConfiguration.Output.WriteLine($"manifest: {manifest} ({written.Sum(w => w.Pairs)} pairs)");
            return 0;
        });
        return command;
    }
}
