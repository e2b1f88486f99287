namespace Align.ShapeWorld;

/// <summary>A scene: 1 to 4 non-overlapping objects.</summary>
public sealed class Scene
{
    public const int MaxObjects = 4;

    /// <summary>Minimum gap between two objects' bounding boxes and between a box and the canvas edge (fraction of the side).</summary>
    public const double Margin = 0.04;

    public IReadOnlyList<SceneObject> Objects { get; }

    public Scene(IReadOnlyList<SceneObject> objects)
    {
        if (objects.Count is < 1 or > MaxObjects) throw new ArgumentException($"a scene holds 1 to {MaxObjects} objects, not {objects.Count}", nameof(objects));
        for (int i = 0; i < objects.Count; i++)
        {
            if (!InsideCanvas(objects[i])) throw new ArgumentException($"object {i} ({Describe(objects[i])}) is not inside the canvas with margin {Margin}", nameof(objects));
            for (int j = 0; j < i; j++)
                if (!Apart(objects[i], objects[j]))
                    throw new ArgumentException($"objects {j} and {i} overlap or are closer than the margin {Margin}", nameof(objects));
        }
        Objects = objects.ToArray();
    }

    public static bool InsideCanvas(SceneObject o)
    {
        var (hx, hy) = o.HalfSize;
        return o.X - hx >= Margin && o.X + hx <= 1 - Margin && o.Y - hy >= Margin && o.Y + hy <= 1 - Margin;
    }

    /// <summary>Whether two objects' bounding boxes are separated by at least the margin along x or y.</summary>
    public static bool Apart(SceneObject a, SceneObject b)
    {
        var (ax, ay) = a.HalfSize;
        var (bx, by) = b.HalfSize;
        return Math.Abs(a.X - b.X) >= ax + bx + Margin || Math.Abs(a.Y - b.Y) >= ay + by + Margin;
    }

    private static string Describe(SceneObject o) => $"{o.Size} {Vocabulary.Word(o.Colour)} {Vocabulary.Word(o.Shape)} at ({o.X:F3}, {o.Y:F3})";

    public override string ToString() => string.Join("; ", Objects.Select(Describe));
}
