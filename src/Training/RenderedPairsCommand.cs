using System.CommandLine;
using Align.ShapeWorld;
using Training.Preferences;

namespace Training;

/// <summary>
/// <c>align-train rendered-pairs</c>: SPIN-Diffusion's real-versus-own-sample pairs from an existing manifest: every rejected
/// image is paired with a ShapeWorld scene rendered from its prompt (<see cref="RenderedChosenPairs"/>).
/// </summary>
internal static class RenderedPairsCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "a preference manifest of ShapeWorld prompts (pairs.jsonl of align-train pairs); its rejected images are kept", Required = true };
        var output = new Option<string>("--out") { Description = "writes pairs.jsonl and the rendered images/ here", Required = true };
        var perPair = new Option<int>("--per-pair") { Description = "rendered scenes (so pairs) per input pair", DefaultValueFactory = _ => 1 };
        var size = new Option<int>("--size") { Description = "rendered image size (the model's, 64 for ShapeWorld)", DefaultValueFactory = _ => SceneRenderer.DefaultSize };
        var seed = new Option<int>("--seed") { Description = "scene seed of the first rendered image; the rest count up", DefaultValueFactory = _ => 0 };
        var command = new Command("rendered-pairs", "Preference pairs whose chosen image is a ShapeWorld scene rendered from the prompt and whose rejected image is the model's failed sample (SPIN-Diffusion)")
        {
            from, output, perPair, size, seed,
        };
        command.SetAction(result =>
        {
            (string manifest, int pairs, int rejected) = RenderedChosenPairs.Run(result.GetValue(from)!, result.GetValue(output)!,
                result.GetValue(perPair), result.GetValue(size), result.GetValue(seed));
            result.InvocationConfiguration.Output.WriteLine($"{pairs} pairs: a rendered scene against each of {rejected} rejected images");
            result.InvocationConfiguration.Output.WriteLine($"manifest: {manifest}");
            return 0;
        });
        return command;
    }
}
