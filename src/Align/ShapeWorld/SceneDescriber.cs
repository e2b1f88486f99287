namespace Align.ShapeWorld;

/// <summary>Scene → spec: the spec of a category that describes the whole scene (colours always named), or null where the
/// category cannot describe it.</summary>
public static class SceneDescriber
{
    /// <summary>Position is only described when the centroids are this far apart along the axis (fraction of the side).</summary>
    public const double DescribeGap = 0.1;

    /// <summary>
    /// Single object and colours: a one-object scene. Counting: 2–4 objects of one shape (colour named when they share one).
    /// Two objects: two objects told apart by shape or colour. Colour attribution: two objects of different shapes and colours.
    /// Position: two objects told apart, with the relation along the axis where the centroids are furthest apart (at least
    /// <see cref="DescribeGap"/>).
    /// </summary>
    public static Spec? Describe(Scene scene, Category category)
    {
        var objects = scene.Objects;
        switch (category)
        {
            case Category.SingleObject:
            case Category.Colours:
                return objects.Count == 1 ? new Spec(category, Term(objects[0])) : null;
            case Category.Counting:
                if (objects.Count < Vocabulary.MinCount || objects.Any(o => o.Shape != objects[0].Shape)) return null;
                Colour? shared = objects.All(o => o.Colour == objects[0].Colour) ? objects[0].Colour : null;
                return new Spec(category, new ObjectTerm(objects[0].Shape, shared, objects.Count));
        }
        if (objects.Count != 2) return null;
        ObjectTerm a = Term(objects[0]), b = Term(objects[1]);
        Relation? relation = null;
        if (category == Category.Position)
        {
            var (ax, ay) = objects[0].Centroid;
            var (bx, by) = objects[1].Centroid;
            double dx = bx - ax, dy = by - ay;
            relation = Math.Abs(dx) >= Math.Abs(dy)
                ? (dx > 0 ? Relation.LeftOf : Relation.RightOf)
                : (dy > 0 ? Relation.Above : Relation.Below);
            if (Math.Max(Math.Abs(dx), Math.Abs(dy)) < DescribeGap) return null;
        }
        return Spec.StructureError(category, a, b, relation) is null ? new Spec(category, a, b, relation) : null;
    }

    /// <summary>The categories that can describe the scene.</summary>
    public static IReadOnlyList<Category> Categories(Scene scene) =>
        Vocabulary.Categories.Where(c => Describe(scene, c) is not null).ToArray();

    private static ObjectTerm Term(SceneObject o) => new(o.Shape, o.Colour);
}
