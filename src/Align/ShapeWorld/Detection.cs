namespace Align.ShapeWorld;

/// <summary>An object found in an image (or read off a scene): shape, colour, bounding box, centroid and area, all as
/// fractions of the image side (area: of the image area); x right, y down.</summary>
public sealed record Detection(Shape Shape, Colour Colour, double X0, double Y0, double X1, double Y1, double CentroidX, double CentroidY, double Area)
{
    /// <summary>The true objects of a scene, as a perfect detector would report them.</summary>
    public static IReadOnlyList<Detection> FromScene(Scene scene) => scene.Objects.Select(o =>
    {
        var (hx, hy) = o.HalfSize;
        var (cx, cy) = o.Centroid;
        double area = o.Shape switch
        {
            Shape.Circle => Math.PI * o.E * o.E,
            Shape.Square => 4 * hx * hy,
            _ => 2 * hx * hy,
        };
        return new Detection(o.Shape, o.Colour, o.X - hx, o.Y - hy, o.X + hx, o.Y + hy, cx, cy, area);
    }).ToArray();

    public override string ToString() => $"{Vocabulary.Word(Colour)} {Vocabulary.Word(Shape)} at ({CentroidX:F2}, {CentroidY:F2})";
}
