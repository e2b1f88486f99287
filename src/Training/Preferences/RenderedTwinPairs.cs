using Align.ShapeWorld;

namespace Training.Preferences;

/// <summary>
/// Preference pairs of rendered counterfactual twins, no model sampled: for a train-split prompt x₁ and a one-attribute
/// contradiction x₂ of it that is also a train-split prompt (<see cref="PairBuilder.Contrast"/>), a scene y₁ rendered for x₁
/// and its twin y₂ (<see cref="CounterfactualTwin"/>: the same scene edited to satisfy x₂ and fail x₁) give (x₁, y₁ ≻ y₂).
/// The two images differ in the contradicted attribute only, so the pair's whole signal is that attribute. With
/// <c>cross</c> the mirrored triple (x₂, y₂ ≻ y₁) is written too, InstructEngine's cross-validation (its section 3.3):
/// every image is then chosen once and rejected once, so no image can be made likelier regardless of its prompt.
/// </summary>
public static class RenderedTwinPairs
{
    public const string Judge = "shapeworld-render-twin";

    public sealed record Plan(int PromptsPerCategory, int PerPrompt, IReadOnlyList<Category>? Categories, int PromptSeed, int Seed, int Size, bool Cross);

    /// <returns>the manifest, and the pairs written per category</returns>
    public static (string Manifest, IReadOnlyList<(Category Category, int Pairs)> Written) Run(string output, Plan plan)
    {
        if (plan.PromptsPerCategory < 1) throw new ArgumentException("--prompts-per-category must be at least 1");
        if (plan.PerPrompt < 1) throw new ArgumentException("--per-prompt must be at least 1");
        if (plan.Size < 8) throw new ArgumentException("--size must be at least 8");
        Directory.CreateDirectory(output);
        var pairs = new List<PreferencePair>();
        var written = new List<(Category, int)>();
        long image = plan.Seed;
        foreach (Category category in plan.Categories ?? Vocabulary.Categories)
        {
            var random = new Random(plan.PromptSeed * 31 + (int)category);
            int before = pairs.Count;
            foreach (Prompt prompt in PromptSuite.Sample(category, Split.Train, plan.PromptsPerCategory, plan.PromptSeed))
            {
                for (int k = 0; k < plan.PerPrompt; k++)
                {
                    if (PairBuilder.Contrast(prompt, random) is not { } contrast) break; // no train-split contradiction
                    Scene scene = SceneSampler.Sample(prompt.Spec, random);
                    if (CounterfactualTwin.Of(scene, prompt.Spec, contrast.Spec, random) is not { } twin) continue;
                    long sceneId = image++, twinId = image++;
                    string first = Write(output, category, sceneId, scene, plan.Size), second = Write(output, category, twinId, twin, plan.Size);
                    pairs.Add(Pair(category, prompt, contrast, first, sceneId, second, twinId));
                    if (plan.Cross) pairs.Add(Pair(category, contrast, prompt, second, twinId, first, sceneId));
                }
            }
            written.Add((category, pairs.Count - before));
        }
        // written under a temporary name and renamed, so a crash never leaves a manifest naming missing images
        string manifest = Path.Combine(output, PairBuilder.ManifestName), partial = manifest + ".partial";
        PairManifest.Write(partial, pairs);
        File.Move(partial, manifest, overwrite: true);
        return (manifest, written);
    }

    private static string Write(string output, Category category, long id, Scene scene, int size)
    {
        string relative = PairManifest.ImagePath(category, id);
        string path = Path.Combine(output, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, SceneRenderer.Render(scene, size).ToPng());
        return relative;
    }

    private static PreferencePair Pair(Category category, Prompt prompt, Prompt contrast, string chosen, long chosenId, string rejected, long rejectedId) => new()
    {
        Prompt = prompt.Text,
        Chosen = chosen,
        Rejected = rejected,
        Category = Spec.CategoryName(category),
        Kind = PreferencePair.Cross,
        ContrastPrompt = contrast.Text,
        ChosenSeed = chosenId,
        RejectedSeed = rejectedId,
        ChosenScore = 1,
        RejectedScore = 0,
        Judge = Judge,
    };
}
