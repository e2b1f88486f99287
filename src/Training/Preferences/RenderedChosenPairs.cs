using Align.ShapeWorld;

namespace Training.Preferences;

/// <summary>
/// SPIN-Diffusion's pairs (Yuan et al. 2024, "Self-Play Fine-Tuning of Diffusion Models"): the chosen image is real data and
/// the rejected one the model's own sample. Here the real data is a ShapeWorld scene rendered from the prompt's spec, so it
/// satisfies the prompt by construction, and the rejected images are the samples the verifier failed in an existing manifest
/// (the <c>rejected</c> side of <c>align-train pairs</c>). Each input pair gives <c>perPair</c> pairs, each with its own
/// rendered scene; the rendered PNGs and <c>pairs.jsonl</c> go to the output directory, rejected paths are kept absolute.
/// </summary>
public static class RenderedChosenPairs
{
    public const string Judge = "shapeworld-render";

    public static (string Manifest, int Pairs, int Rejected) Run(string source, string output, int perPair, int size, int seed)
    {
        if (perPair < 1) throw new ArgumentException("--per-pair must be at least 1");
        if (size < 8) throw new ArgumentException("--size must be at least 8");
        IReadOnlyList<PreferencePair> input = PairManifest.ReadResolved(source);
        Spec[] specs = input.Select((pair, line) => SpecOf(source, line, pair)).ToArray(); // every prompt read before anything is written
        Directory.CreateDirectory(output);
        var pairs = new List<PreferencePair>();
        var rejected = new HashSet<string>(StringComparer.Ordinal);
        for (int line = 0; line < input.Count; line++)
        {
            PreferencePair pair = input[line];
            Spec spec = specs[line];
            rejected.Add(pair.Rejected);
            for (int k = 0; k < perPair; k++)
            {
                int sceneSeed = seed + line * perPair + k;
                string relative = PairManifest.ImagePath(spec.Category, sceneSeed);
                string path = Path.Combine(output, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path, SceneRenderer.Render(SceneSampler.Sample(spec, sceneSeed), size).ToPng());
                pairs.Add(pair with
                {
                    Chosen = relative,
                    Kind = PreferencePair.SamePrompt,
                    ContrastPrompt = null,
                    ChosenSeed = sceneSeed,
                    ChosenScore = 1,
                    Judge = Judge,
                });
            }
        }
        // written under a temporary name and renamed, so a crash never leaves a manifest naming missing images
        string manifest = Path.Combine(output, PairBuilder.ManifestName), partial = manifest + ".partial";
        PairManifest.Write(partial, pairs);
        File.Move(partial, manifest, overwrite: true);
        return (manifest, pairs.Count, rejected.Count);
    }

    // The spec the rendered scene must satisfy: the prompt parsed in its category (when the manifest names it).
    private static Spec SpecOf(string source, int line, PreferencePair pair)
    {
        Category? category = pair.Category is string name ? CategoryNames.Parse(name) : null;
        Spec? spec = CaptionParser.TryParse(pair.Prompt, out string? error, category);
        return spec ?? throw new InvalidDataException($"{source}: pair {line + 1}: the prompt \"{pair.Prompt}\" is not a ShapeWorld caption ({error})");
    }
}
