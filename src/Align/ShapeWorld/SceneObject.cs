namespace Align.ShapeWorld;

/// <summary>
/// One flat, axis-aligned object. Coordinates are fractions of the canvas side (x right, y down);
/// (X, Y) is the centre of the object's bounding box. Triangles point up.
/// </summary>
public sealed record SceneObject(Shape Shape, Colour Colour, ObjectSize Size, double X, double Y)
{
    /// <summary>Half the height of the object's bounding box, as a fraction of the canvas side.</summary>
    public static double Extent(ObjectSize size) => size == ObjectSize.Small ? 0.09 : 0.14;

    // Square: same area as the circle; triangle: equilateral with height 2·extent.
    private const double SquareHalf = 0.886, TriangleHalfBase = 1.1547;

    public double E => Extent(Size);

    /// <summary>Half-width and half-height of the bounding box.</summary>
    public (double Hx, double Hy) HalfSize => Shape switch
    {
        Shape.Circle => (E, E),
        Shape.Square => (E * SquareHalf, E * SquareHalf),
        _ => (E * TriangleHalfBase, E),
    };

    /// <summary>The centre of mass (what the verifier measures): a triangle's lies a third of the way below its box centre.</summary>
    public (double X, double Y) Centroid => Shape == Shape.Triangle ? (X, Y + E / 3) : (X, Y);

    /// <summary>Whether the point (fractions of the canvas side) lies inside the object.</summary>
    public bool Contains(double px, double py)
    {
        double dx = px - X, dy = py - Y, e = E;
        switch (Shape)
        {
            case Shape.Circle:
                return dx * dx + dy * dy <= e * e;
            case Shape.Square:
                double h = e * SquareHalf;
                return Math.Abs(dx) <= h && Math.Abs(dy) <= h;
            default:
                if (dy < -e || dy > e) return false;
                // Half-width grows linearly from 0 at the apex (dy = -e) to the half base at dy = e.
                double half = TriangleHalfBase * e * (dy + e) / (2 * e);
                return Math.Abs(dx) <= half;
        }
    }
}
