namespace Align.ShapeWorld;

/// <summary>A training or evaluation example: a prompt and a scene that satisfies it.</summary>
public sealed record CaptionedScene(Prompt Prompt, Scene Scene);

/// <summary>Seeded examples drawn from the prompt suites.</summary>
public static class CaptionedScenes
{
    /// <summary>Example <paramref name="index"/> of a stream: category drawn uniformly (unless given), then a spec of the split
    /// and a phrasing, then a scene. The same (split, seed, index, category) always gives the same example.</summary>
    public static CaptionedScene Generate(Split split, int seed, int index, Category? category = null)
    {
        var random = new Random(Mix(seed, index, (int)split, category.HasValue ? (int)category.Value : -1));
        Category c = category ?? Vocabulary.Categories[random.Next(Vocabulary.Categories.Count)];
        var specs = PromptSuite.Specs(c, split);
        Spec spec = specs[random.Next(specs.Count)];
        string text = CaptionGrammar.Phrase(spec, random);
        return new CaptionedScene(new Prompt(c, spec, text), SceneSampler.Sample(spec, random));
    }

    // HashCode.Combine is salted per process, so seeds are mixed with SplitMix64 steps instead.
    private static int Mix(params int[] values)
    {
        ulong h = 0x9E3779B97F4A7C15UL;
        foreach (int v in values)
        {
            h ^= (uint)v;
            h += 0x9E3779B97F4A7C15UL;
            h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9UL;
            h = (h ^ (h >> 27)) * 0x94D049BB133111EBUL;
            h ^= h >> 31;
        }
        return (int)(h & 0x7FFFFFFF);
    }
}
