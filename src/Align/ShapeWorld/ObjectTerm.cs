namespace Align.ShapeWorld;

/// <summary>"three green circles": a shape, an optional colour (null: any colour) and a count (1 to 4).</summary>
public sealed record ObjectTerm
{
    public Shape Shape { get; }
    public Colour? Colour { get; }
    public int Count { get; }

    public ObjectTerm(Shape shape, Colour? colour = null, int count = 1)
    {
        if (count is < 1 or > Vocabulary.MaxCount) throw new ArgumentOutOfRangeException(nameof(count), $"count {count}: captions count 1 to {Vocabulary.MaxCount}");
        Shape = shape;
        Colour = colour;
        Count = count;
    }

    /// <summary>Whether an object of this shape and colour is one this term describes.</summary>
    public bool Matches(Shape shape, Colour colour) => shape == Shape && (Colour is null || Colour == colour);

    /// <summary>Whether no object can match both terms (so "a circle and a red circle" is refused: one red circle satisfies both).</summary>
    public bool DisjointFrom(ObjectTerm other) =>
        Shape != other.Shape || (Colour is not null && other.Colour is not null && Colour != other.Colour);

    /// <summary>Canonical words: "a red circle", "three circles".</summary>
    public override string ToString()
    {
        string colour = Colour is { } c ? Vocabulary.Word(c) + " " : "";
        return Count == 1 ? $"a {colour}{Vocabulary.Word(Shape)}" : $"{Vocabulary.Number(Count)} {colour}{Vocabulary.Plural(Shape)}";
    }
}
