namespace Align.ShapeWorld;

/// <summary>
/// What a caption asks for: one or two object terms and, for position captions, the relation of the first to
/// the second. Checked semantics (GenEval's): a count of 1 means "at least one", a count of 2–4 means
/// "exactly that many"; the relation must hold between some object matching the first term and some object
/// matching the second. Value equality.
/// </summary>
public sealed record Spec
{
    public Category Category { get; }
    public ObjectTerm First { get; }
    public ObjectTerm? Second { get; }
    public Relation? Relation { get; }

    /// <summary>Builds a spec and checks it has the structure its category requires (see <see cref="StructureError"/>).</summary>
    public Spec(Category category, ObjectTerm first, ObjectTerm? second = null, Relation? relation = null)
    {
        Category = category;
        First = first;
        Second = second;
        Relation = relation;
        if (StructureError(category, first, second, relation) is { } error) throw new ArgumentException(error);
    }

    public IEnumerable<ObjectTerm> Terms => Second is null ? [First] : [First, Second];

    /// <summary>
    /// Why these parts do not form a spec of the category, or null if they do:
    /// single object: one term of count 1, colour optional; colours: one term of count 1 with a colour;
    /// counting: one term of count 2–4, colour optional; two objects: two disjoint terms of count 1, colours optional;
    /// position: the same plus a relation; colour attribution: two terms of count 1 with different shapes and different colours.
    /// </summary>
    public static string? StructureError(Category category, ObjectTerm first, ObjectTerm? second, Relation? relation)
    {
        string name = CategoryName(category);
        bool two = category is Category.TwoObjects or Category.Position or Category.ColourAttribution;
        if (two != (second is not null)) return $"a {name} caption describes {(two ? "two objects" : "one kind of object")}";
        if ((category == Category.Position) != (relation is not null))
            return category == Category.Position ? "a position caption needs a relation" : $"a {name} caption has no relation";
        if (category == Category.Counting)
            return first.Count >= Vocabulary.MinCount ? null : $"a counting caption counts {Vocabulary.MinCount} to {Vocabulary.MaxCount} objects";
        if (first.Count != 1 || second is { Count: not 1 }) return $"a {name} caption describes single objects, not counts";
        if (category == Category.Colours && first.Colour is null) return "a colours caption names the object's colour";
        if (second is null) return null;
        if (category == Category.ColourAttribution)
        {
            if (first.Colour is null || second.Colour is null) return "a colour attribution caption names both objects' colours";
            if (first.Shape == second.Shape || first.Colour == second.Colour) return "a colour attribution caption describes two objects of different shapes and different colours";
            return null;
        }
        return first.DisjointFrom(second) ? null : $"the two objects of a {name} caption must be told apart by shape or colour";
    }

    /// <summary>The category a caption's structure suggests, when none is given: position if a relation, counting if a count,
    /// colour attribution if two objects of different shapes and colours, two objects, colours if coloured, else single object.</summary>
    public static Category InferCategory(ObjectTerm first, ObjectTerm? second, Relation? relation)
    {
        if (relation is not null) return Category.Position;
        if (first.Count > 1) return Category.Counting;
        if (second is not null)
            return first.Colour is not null && second.Colour is not null && first.Shape != second.Shape && first.Colour != second.Colour
                ? Category.ColourAttribution : Category.TwoObjects;
        return first.Colour is null ? Category.SingleObject : Category.Colours;
    }

    public static string CategoryName(Category c) => c switch
    {
        Category.SingleObject => "single object",
        Category.TwoObjects => "two objects",
        Category.Counting => "counting",
        Category.Colours => "colours",
        Category.Position => "position",
        _ => "colour attribution",
    };

    public static string RelationWords(Relation r) => r switch
    {
        ShapeWorld.Relation.LeftOf => "to the left of",
        ShapeWorld.Relation.RightOf => "to the right of",
        ShapeWorld.Relation.Above => "above",
        _ => "below",
    };

    /// <summary>The canonical caption (the first phrasing of <see cref="CaptionGrammar"/>).</summary>
    public override string ToString() => CaptionGrammar.Phrase(this, 0);
}
