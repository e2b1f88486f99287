namespace Align.ShapeWorld;

/// <summary>A caption outside the ShapeWorld grammar.</summary>
public sealed class CaptionParseException(string caption, string message) : FormatException($"cannot read \"{caption}\": {message}")
{
    public string Caption { get; } = caption;
}

/// <summary>Reads the language of <see cref="CaptionGrammar"/> back into specs (case-insensitive, words separated by white space).</summary>
public static class CaptionParser
{
    /// <summary>Parses a caption; the category is inferred from its structure (<see cref="Spec.InferCategory"/>).</summary>
    public static Spec Parse(string caption) => Parse(caption, null);

    /// <summary>Parses a caption as a spec of the given category (null: inferred).</summary>
    /// <exception cref="CaptionParseException">the text is not in the grammar, or does not fit the category</exception>
    public static Spec Parse(string caption, Category? category)
    {
        ArgumentNullException.ThrowIfNull(caption);
        var reader = new Reader(caption);
        ObjectTerm first = reader.Term();
        ObjectTerm? second = null;
        Relation? relation = null;
        if (!reader.AtEnd)
        {
            if (reader.TryTake("and") || reader.TryTake("along", "with")) { }
            else relation = reader.Relation();
            second = reader.Term();
        }
        if (!reader.AtEnd) reader.Fail($"unexpected '{reader.Peek}' after a complete caption");
        if (second is not null && first.Count != 1 || second is { Count: not 1 })
            reader.Fail("counts are only allowed in a caption about one kind of object");
        Category c = category ?? Spec.InferCategory(first, second, relation);
        if (Spec.StructureError(c, first, second, relation) is { } error) reader.Fail(error);
        return new Spec(c, first, second, relation);
    }

    /// <summary>Parses, or returns null with the reason.</summary>
    public static Spec? TryParse(string caption, out string? error, Category? category = null)
    {
        try
        {
            error = null;
            return Parse(caption, category);
        }
        catch (CaptionParseException e)
        {
            error = e.Message;
            return null;
        }
    }

    private sealed class Reader
    {
        private readonly string _caption;
        private readonly string[] _words;
        private int _at;

        public Reader(string caption)
        {
            _caption = caption;
            _words = caption.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (_words.Length == 0) Fail("the caption is empty");
            foreach (string w in _words)
                if (!Vocabulary.Words.Contains(w)) Fail($"'{w}' is not in the vocabulary");
        }

        public bool AtEnd => _at >= _words.Length;
        public string Peek => AtEnd ? "end of caption" : _words[_at];

        public void Fail(string message) => throw new CaptionParseException(_caption, message);

        private string Where => AtEnd ? "at the end" : $"at word {_at + 1} ('{_words[_at]}')";

        public bool TryTake(params string[] words)
        {
            if (_at + words.Length > _words.Length) return false;
            for (int i = 0; i < words.Length; i++)
                if (_words[_at + i] != words[i]) return false;
            _at += words.Length;
            return true;
        }

        private void Expect(string word)
        {
            if (!TryTake(word)) Fail($"expected '{word}' {Where}");
        }

        public ObjectTerm Term()
        {
            int count;
            bool aPlain = false, exactly = false;
            if (TryTake("a", "single") || TryTake("one")) count = 1;
            else if (TryTake("a")) { count = 1; aPlain = true; }
            else
            {
                exactly = TryTake("exactly");
                count = AtEnd ? 0 : _words[_at] switch { "two" => 2, "three" => 3, "four" => 4, _ => 0 };
                if (count == 0)
                    Fail(exactly ? $"expected two, three or four after 'exactly' {Where}" : $"expected an object ('a', 'one', 'a single', 'exactly' or a number) {Where}");
                _at++;
            }
            Colour? colour = TryColour();
            if (AtEnd) Fail($"expected a shape at the end");
            string word = _words[_at];
            Shape? shape = null;
            foreach (Shape s in Vocabulary.Shapes)
            {
                if (word == Vocabulary.Word(s))
                {
                    if (count != 1) Fail($"'{word}' should be plural after {Vocabulary.Number(count)} {Where}");
                    shape = s;
                }
                else if (word == Vocabulary.Plural(s))
                {
                    if (count == 1) Fail($"'{word}' should be singular for one object {Where}");
                    shape = s;
                }
            }
            if (shape is null) Fail($"expected a shape (circle, square, triangle) {Where}");
            _at++;
            if (TryTake("that"))
            {
                if (colour is not null) Fail($"the colour is given twice {Where}");
                if (count == 1 ? !aPlain : exactly) Fail($"'that {(count == 1 ? "is" : "are")} <colour>' only follows 'a <shape>' or '<number> <shapes>' {Where}");
                Expect(count == 1 ? "is" : "are");
                colour = TryColour();
                if (colour is null) Fail($"expected a colour {Where}");
            }
            return new ObjectTerm(shape!.Value, colour, count);
        }

        private Colour? TryColour()
        {
            if (AtEnd) return null;
            foreach (Colour c in Vocabulary.Colours)
                if (_words[_at] == Vocabulary.Word(c))
                {
                    _at++;
                    return c;
                }
            return null;
        }

        public Relation Relation()
        {
            if (TryTake("above")) return ShapeWorld.Relation.Above;
            if (TryTake("below") || TryTake("under")) return ShapeWorld.Relation.Below;
            if (!TryTake("to", "the")) TryTake("on", "the");
            if (TryTake("left", "of")) return ShapeWorld.Relation.LeftOf;
            if (TryTake("right", "of")) return ShapeWorld.Relation.RightOf;
            Fail($"expected 'and', 'along with' or a relation (left of, right of, above, below) {Where}");
            return default;
        }
    }
}
