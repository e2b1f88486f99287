namespace Align.ShapeWorld;

/// <summary>Judges detections against a spec with GenEval's rules (see <see cref="Spec"/>); position compares centroids with a dead zone.</summary>
public static class SpecChecker
{
    /// <summary>Centroids closer than this along the relation's axis (fraction of the side) satisfy neither direction.</summary>
    public const double DeadZone = 0.05;

    public static Verdict Check(Spec spec, IReadOnlyList<Detection> detections)
    {
        var found = new List<string>();
        var matches = new List<Detection[]>();
        foreach (ObjectTerm term in spec.Terms)
        {
            Detection[] m = detections.Where(d => term.Matches(d.Shape, d.Colour)).ToArray();
            matches.Add(m);
            if (term.Count == 1 ? m.Length == 0 : m.Length != term.Count)
                return Fail(spec, detections, $"expected {Expected(term)}, found {(m.Length == 0 ? "none" : m.Length.ToString())}{Seen(detections)}");
            found.Add(Expected(term));
        }
        if (spec.Relation is { } r)
        {
            ObjectTerm a = spec.First, b = spec.Second!;
            string claim = $"{Name(a)} {RelationName(r)} {Name(b)}";
            bool holds = matches[0].Any(x => matches[1].Any(y =>
                SceneSampler.RelationHolds(r, x.CentroidX, x.CentroidY, y.CentroidX, y.CentroidY, DeadZone)));
            return holds ? new Verdict(spec.Category, true, claim, detections) : Fail(spec, detections, $"{Name(a)} is not {RelationName(r)} {Name(b)}{Seen(detections)}");
        }
        return new Verdict(spec.Category, true, "found " + string.Join(" and ", found), detections);
    }

    private static Verdict Fail(Spec spec, IReadOnlyList<Detection> detections, string reason) => new(spec.Category, false, reason, detections);

    private static string Expected(ObjectTerm t) =>
        t.Count == 1 ? $"a {Name(t)}" : $"{t.Count} {(t.Colour is { } c ? Vocabulary.Word(c) + " " : "")}{Vocabulary.Plural(t.Shape)}";

    private static string Name(ObjectTerm t) => (t.Colour is { } c ? Vocabulary.Word(c) + " " : "") + Vocabulary.Word(t.Shape);

    private static string RelationName(Relation r) => r switch
    {
        Relation.LeftOf => "left of",
        Relation.RightOf => "right of",
        Relation.Above => "above",
        _ => "below",
    };

    private static string Seen(IReadOnlyList<Detection> detections) =>
        detections.Count == 0 ? " (nothing detected)" : $" (detected: {string.Join(", ", detections)})";
}
