namespace Align.ShapeWorld;

public enum Shape { Circle, Square, Triangle }

/// <summary>The six object colours; <see cref="Palette"/> holds their RGB values.</summary>
public enum Colour { Red, Green, Blue, Yellow, Purple, White }

public enum ObjectSize { Small, Large }

/// <summary>Spatial relation of the first object to the second ("a red square to the left of a blue circle").</summary>
public enum Relation { LeftOf, RightOf, Above, Below }

/// <summary>GenEval's prompt categories.</summary>
public enum Category { SingleObject, TwoObjects, Counting, Colours, Position, ColourAttribution }

/// <summary>The closed vocabulary of captions and the words for each attribute.</summary>
public static class Vocabulary
{
    /// <summary>Every word a caption can contain (lower case, no punctuation); the tokenizer is built from this list.</summary>
    public static readonly IReadOnlyList<string> Words =
    [
        "a", "one", "single", "exactly", "two", "three", "four",
        "red", "green", "blue", "yellow", "purple", "white",
        "circle", "circles", "square", "squares", "triangle", "triangles",
        "that", "is", "are", "and", "along", "with",
        "to", "the", "on", "left", "right", "of", "above", "below", "under",
    ];

    public static readonly IReadOnlyList<Shape> Shapes = Enum.GetValues<Shape>();
    public static readonly IReadOnlyList<Colour> Colours = Enum.GetValues<Colour>();
    public static readonly IReadOnlyList<Relation> Relations = Enum.GetValues<Relation>();
    public static readonly IReadOnlyList<Category> Categories = Enum.GetValues<Category>();

    /// <summary>Counts a counting caption can ask for.</summary>
    public const int MinCount = 2, MaxCount = 4;

    public static string Word(Colour c) => c.ToString().ToLowerInvariant();
    public static string Word(Shape s) => s.ToString().ToLowerInvariant();
    public static string Plural(Shape s) => Word(s) + "s";

    public static string Number(int n) => n switch
    {
        1 => "one",
        2 => "two",
        3 => "three",
        4 => "four",
        _ => throw new ArgumentOutOfRangeException(nameof(n), $"no word for {n}: counts are 1 to {MaxCount}"),
    };
}
