using Align.ShapeWorld;

namespace Training.Preferences;

/// <summary>
/// How to build a preference set from a model's own samples: prompts per category of the ShapeWorld train split, images
/// per prompt and sampling settings, how many pairs a prompt may give, and whether to build InstructEngine's
/// cross-validation pairs instead of same-prompt pairs.
/// </summary>
/// <param name="FirstSeed">image k of the run starts from noise seed FirstSeed + k</param>
/// <param name="Margin">the least score difference between a chosen and a rejected image (0: any; the verifier's differ by 1)</param>
public sealed record PairPlan(
    int PromptsPerCategory = 20,
    int Seeds = 4,
    int Steps = 20,
    double Guidance = 5.0,
    IReadOnlyList<Category>? Categories = null,
    int PromptSeed = 0,
    long FirstSeed = 0,
    int MaxPairsPerPrompt = 4,
    double Margin = 0,
    bool Cross = false);

/// <summary>What one category gave: prompts tried, prompts that gave pairs, images generated and how many the judge preferred, pairs.</summary>
public sealed record CategoryPairs(string Category, int Prompts, int PromptsKept, int Images, double MeanScore, int Pairs);

public sealed record PairSummary(string Manifest, string Judge, IReadOnlyList<CategoryPairs> Categories)
{
    public int Pairs => Categories.Sum(c => c.Pairs);
}
