namespace Align.ShapeWorld;

/// <summary>Deliberately wrong specs of the same category: another shape (single object), colour (colours), count (counting),
/// shape or colour of one object (two objects), relation (position), swapped colours (colour attribution).</summary>
public static class SpecPerturbation
{
    /// <summary>Every one-attribute change of the spec that is still a valid spec of its category.</summary>
    public static IReadOnlyList<Spec> Candidates(Spec spec)
    {
        var result = new List<Spec>();
        void Add(ObjectTerm first, ObjectTerm? second, Relation? relation)
        {
            if (Spec.StructureError(spec.Category, first, second, relation) is null) result.Add(new Spec(spec.Category, first, second, relation));
        }
        ObjectTerm a = spec.First;
        switch (spec.Category)
        {
            case Category.SingleObject:
                foreach (Shape s in Vocabulary.Shapes.Where(s => s != a.Shape)) Add(new ObjectTerm(s, a.Colour), null, null);
                break;
            case Category.Colours:
                foreach (Colour c in Vocabulary.Colours.Where(c => c != a.Colour)) Add(new ObjectTerm(a.Shape, c), null, null);
                break;
            case Category.Counting:
                for (int n = Vocabulary.MinCount; n <= Vocabulary.MaxCount; n++)
                    if (n != a.Count) Add(new ObjectTerm(a.Shape, a.Colour, n), null, null);
                break;
            case Category.TwoObjects:
                ObjectTerm b = spec.Second!;
                foreach (ObjectTerm t in Variants(a)) Add(t, b, null);
                foreach (ObjectTerm t in Variants(b)) Add(a, t, null);
                break;
            case Category.Position:
                Add(a, spec.Second!, Opposite(spec.Relation!.Value));
                Add(spec.Second!, a, spec.Relation);
                break;
            case Category.ColourAttribution:
                ObjectTerm second = spec.Second!;
                Add(new ObjectTerm(a.Shape, second.Colour), new ObjectTerm(second.Shape, a.Colour), null);
                break;
        }
        return result;
    }

    /// <summary>A candidate that the scene's true objects fail (checked with <see cref="SpecChecker"/>), drawn with the random
    /// source; null if every candidate happens to hold.</summary>
    public static Spec? Contradict(Spec spec, Scene scene, Random random)
    {
        var truth = Detection.FromScene(scene);
        var failing = Candidates(spec).Where(s => !SpecChecker.Check(s, truth).Passed).ToArray();
        return failing.Length == 0 ? null : failing[random.Next(failing.Length)];
    }

    public static Relation Opposite(Relation r) => r switch
    {
        Relation.LeftOf => Relation.RightOf,
        Relation.RightOf => Relation.LeftOf,
        Relation.Above => Relation.Below,
        _ => Relation.Above,
    };

    private static IEnumerable<ObjectTerm> Variants(ObjectTerm t)
    {
        foreach (Shape s in Vocabulary.Shapes.Where(s => s != t.Shape)) yield return new ObjectTerm(s, t.Colour);
        if (t.Colour is not null)
            foreach (Colour c in Vocabulary.Colours.Where(c => c != t.Colour)) yield return new ObjectTerm(t.Shape, c);
    }
}
