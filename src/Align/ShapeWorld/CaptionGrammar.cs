namespace Align.ShapeWorld;

/// <summary>
/// Writes captions for specs. Every caption the grammar can produce, in a fixed order (index 0 is canonical):
/// <code>
/// caption  := term | term ("and" | "along with") term | term relation term
/// term     := "a" [colour] shape | "one" [colour] shape | "a single" [colour] shape | "a" shape "that is" colour
///           | number [colour] shapes | "exactly" number [colour] shapes | number shapes "that are" colour
/// relation := ["to the" | "on the"] ("left" | "right") "of" | "above" | "below" | "under"
/// number   := "two" | "three" | "four"
/// </code>
/// with the structure of each category as <see cref="Spec.StructureError"/> states. <see cref="CaptionParser"/> reads exactly this language.
/// </summary>
public static class CaptionGrammar
{
    private static readonly string[] Connectors = ["and", "along with"];

    private static string[] RelationPhrases(Relation r) => r switch
    {
        Relation.LeftOf => ["to the left of", "left of", "on the left of"],
        Relation.RightOf => ["to the right of", "right of", "on the right of"],
        Relation.Above => ["above"],
        _ => ["below", "under"],
    };

    /// <summary>All phrasings of a spec, canonical first.</summary>
    public static IReadOnlyList<string> Phrasings(Spec spec)
    {
        var first = TermPhrasings(spec.First);
        if (spec.Second is null) return first;
        var second = TermPhrasings(spec.Second);
        string[] joins = spec.Relation is { } r ? RelationPhrases(r) : Connectors;
        var result = new List<string>(first.Count * second.Count * joins.Length);
        foreach (string join in joins)
            foreach (string a in first)
                foreach (string b in second)
                    result.Add($"{a} {join} {b}");
        return result;
    }

    public static string Phrase(Spec spec, int index)
    {
        var all = Phrasings(spec);
        if (index < 0 || index >= all.Count) throw new ArgumentOutOfRangeException(nameof(index), $"phrasing {index}: this spec has {all.Count}");
        return all[index];
    }

    /// <summary>A phrasing drawn uniformly with <paramref name="random"/>.</summary>
    public static string Phrase(Spec spec, Random random)
    {
        var all = Phrasings(spec);
        return all[random.Next(all.Count)];
    }

    /// <summary>The ways of saying one term: "a red circle", "one red circle", "a single red circle", "a circle that is red"; for counts
    /// "three red circles", "exactly three red circles", "three circles that are red".</summary>
    public static IReadOnlyList<string> TermPhrasings(ObjectTerm term)
    {
        string shape = Vocabulary.Word(term.Shape), shapes = Vocabulary.Plural(term.Shape);
        string pre = term.Colour is { } c ? Vocabulary.Word(c) + " " : "";
        var list = new List<string>(4);
        if (term.Count == 1)
        {
            list.Add($"a {pre}{shape}");
            list.Add($"one {pre}{shape}");
            list.Add($"a single {pre}{shape}");
            if (term.Colour is { } colour) list.Add($"a {shape} that is {Vocabulary.Word(colour)}");
        }
        else
        {
            string n = Vocabulary.Number(term.Count);
            list.Add($"{n} {pre}{shapes}");
            list.Add($"exactly {n} {pre}{shapes}");
            if (term.Colour is { } colour) list.Add($"{n} {shapes} that are {Vocabulary.Word(colour)}");
        }
        return list;
    }
}
