namespace Align.ShapeWorld;

public enum Split { Train, Eval }

/// <summary>A prompt of a suite: its category, spec and caption text.</summary>
public sealed record Prompt(Category Category, Spec Spec, string Text);

/// <summary>
/// Train and evaluation prompts per category, disjoint by attribute combination: every spec of a category is enumerated
/// (single object: shape × colour-or-none; colours: shape × colour; counting: shape × colour-or-none × 2–4; two objects and
/// position: ordered pairs of told-apart terms (× relation); colour attribution: pairs of different shapes and colours), specs
/// that say the same thing ("A and B" / "B and A", "A left of B" / "B right of A") are grouped, and a fixed shuffle sends
/// a quarter of the groups to evaluation. Deterministic.
/// </summary>
public static class PromptSuite
{
    public const int SplitSeed = 1234;
    public const double EvalFraction = 0.25;

    private static readonly Dictionary<(Category, Split), Spec[]> Cache = [];

    /// <summary>Every spec of the category, in a fixed order.</summary>
    public static IReadOnlyList<Spec> AllSpecs(Category category)
    {
        var terms = new List<ObjectTerm>();
        foreach (Shape s in Vocabulary.Shapes)
        {
            terms.Add(new ObjectTerm(s));
            foreach (Colour c in Vocabulary.Colours) terms.Add(new ObjectTerm(s, c));
        }
        var specs = new List<Spec>();
        void Add(ObjectTerm a, ObjectTerm? b = null, Relation? r = null)
        {
            if (Spec.StructureError(category, a, b, r) is null) specs.Add(new Spec(category, a, b, r));
        }
        switch (category)
        {
            case Category.SingleObject:
            case Category.Colours:
                foreach (ObjectTerm t in terms) Add(t);
                break;
            case Category.Counting:
                foreach (ObjectTerm t in terms)
                    for (int n = Vocabulary.MinCount; n <= Vocabulary.MaxCount; n++) Add(new ObjectTerm(t.Shape, t.Colour, n));
                break;
            default:
                foreach (ObjectTerm a in terms)
                    foreach (ObjectTerm b in terms)
                        if (category == Category.Position)
                            foreach (Relation r in Vocabulary.Relations) Add(a, b, r);
                        else Add(a, b);
                break;
        }
        return specs;
    }

    /// <summary>The specs of one split, in a fixed order.</summary>
    public static IReadOnlyList<Spec> Specs(Category category, Split split)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue((category, split), out Spec[]? specs))
            {
                var groups = AllSpecs(category).GroupBy(GroupKey).ToArray();
                var random = new Random(SplitSeed + (int)category);
                random.Shuffle(groups);
                int eval = (int)Math.Round(groups.Length * EvalFraction);
                Cache[(category, Split.Eval)] = groups.Take(eval).SelectMany(g => g).ToArray();
                Cache[(category, Split.Train)] = groups.Skip(eval).SelectMany(g => g).ToArray();
                specs = Cache[(category, split)];
            }
            return specs;
        }
    }

    /// <summary>The prompts of one split: the canonical caption of each spec, or every phrasing of each.</summary>
    public static IReadOnlyList<Prompt> Prompts(Category category, Split split, bool allPhrasings = false) =>
        Specs(category, split).SelectMany(s => (allPhrasings ? CaptionGrammar.Phrasings(s) : [CaptionGrammar.Phrase(s, 0)])
            .Select(text => new Prompt(category, s, text))).ToArray();

    /// <summary>Category → prompts of the split.</summary>
    public static IReadOnlyDictionary<Category, IReadOnlyList<Prompt>> All(Split split, bool allPhrasings = false) =>
        Vocabulary.Categories.ToDictionary(c => c, c => Prompts(c, split, allPhrasings));

    /// <summary><paramref name="count"/> prompts of the split: specs cycled in a seeded shuffled order (each used once before any
    /// repeats), each with a seeded random phrasing.</summary>
    public static IReadOnlyList<Prompt> Sample(Category category, Split split, int count, int seed)
    {
        var random = new Random(seed);
        var specs = Specs(category, split).ToArray();
        var result = new List<Prompt>(count);
        while (result.Count < count)
        {
            random.Shuffle(specs);
            foreach (Spec s in specs.Take(count - result.Count)) result.Add(new Prompt(category, s, CaptionGrammar.Phrase(s, random)));
        }
        return result;
    }

    /// <summary>Two specs get the same key when they say the same thing.</summary>
    public static string GroupKey(Spec spec)
    {
        if (spec.Second is null) return spec.First.ToString();
        ObjectTerm a = spec.First, b = spec.Second;
        if (spec.Relation is { } r)
        {
            // "A right of B" is "B left of A"; "A below B" is "B above A".
            if (r is Relation.RightOf or Relation.Below) (a, b, r) = (b, a, SpecPerturbation.Opposite(r));
            return $"{a} {r} {b}";
        }
        string x = a.ToString(), y = b.ToString();
        return string.CompareOrdinal(x, y) <= 0 ? $"{x} & {y}" : $"{y} & {x}";
    }
}
