namespace Align.ShapeWorld;

/// <summary>Draws scenes that satisfy a spec: exactly the objects it describes (unnamed colours drawn at random), sizes random,
/// non-overlapping positions drawn uniformly, and for position specs a clear gap along the relation's axis.</summary>
public static class SceneSampler
{
    /// <summary>Minimum distance between the two centroids along a position spec's axis (fraction of the side), well beyond
    /// the verifier's dead zone.</summary>
    public const double RelationGap = 0.15;

    public static Scene Sample(Spec spec, int seed) => Sample(spec, new Random(seed));

    public static Scene Sample(Spec spec, Random random)
    {
        var wanted = new List<(Shape Shape, Colour Colour)>();
        foreach (ObjectTerm term in spec.Terms)
            for (int i = 0; i < term.Count; i++)
                wanted.Add((term.Shape, term.Colour ?? Vocabulary.Colours[random.Next(Vocabulary.Colours.Count)]));
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            var placed = new List<SceneObject>();
            foreach (var (shape, colour) in wanted)
            {
                SceneObject? o = Place(shape, colour, placed, random);
                if (o is null) break;
                placed.Add(o);
            }
            if (placed.Count < wanted.Count) continue;
            if (spec.Relation is { } r && !RelationHolds(r, placed[0], placed[1], RelationGap)) continue;
            return new Scene(placed);
        }
        throw new InvalidOperationException($"could not place the objects of \"{spec}\" in 1000 attempts");
    }

    /// <summary>Whether <paramref name="a"/>'s centroid is beyond <paramref name="b"/>'s in the relation's direction by more than <paramref name="gap"/>.</summary>
    public static bool RelationHolds(Relation relation, SceneObject a, SceneObject b, double gap) =>
        RelationHolds(relation, a.Centroid.X, a.Centroid.Y, b.Centroid.X, b.Centroid.Y, gap);

    public static bool RelationHolds(Relation relation, double ax, double ay, double bx, double by, double gap) => relation switch
    {
        Relation.LeftOf => bx - ax > gap,
        Relation.RightOf => ax - bx > gap,
        Relation.Above => by - ay > gap,
        _ => ay - by > gap,
    };

    /// <summary>An object of the shape and colour at a random size and place apart from <paramref name="placed"/>; null after 100 tries.</summary>
    public static SceneObject? Place(Shape shape, Colour colour, IReadOnlyList<SceneObject> placed, Random random)
    {
        for (int tries = 0; tries < 100; tries++)
        {
            var size = random.Next(2) == 0 ? ObjectSize.Small : ObjectSize.Large;
            var probe = new SceneObject(shape, colour, size, 0.5, 0.5);
            var (hx, hy) = probe.HalfSize;
            double lox = Scene.Margin + hx, loy = Scene.Margin + hy;
            var o = probe with
            {
                X = lox + random.NextDouble() * (1 - 2 * lox),
                Y = loy + random.NextDouble() * (1 - 2 * loy),
            };
            if (placed.All(p => Scene.Apart(p, o))) return o;
        }
        return null;
    }
}
