using Align.ShapeWorld;

namespace Align.Tests.ShapeWorld;

public class GrammarTests
{
    public static TheoryData<Category> AllCategories => new(Vocabulary.Categories);

    [Theory]
    [MemberData(nameof(AllCategories))]
    public void EveryPhrasingParsesBackToItsSpec(Category category)
    {
        int captions = 0;
        foreach (Spec spec in PromptSuite.AllSpecs(category))
        {
            var phrasings = CaptionGrammar.Phrasings(spec);
            Assert.True(phrasings.Count >= (spec.First.Colour is null && spec.Second is null ? 2 : 3), $"\"{spec}\" has only {phrasings.Count} phrasings");
            Assert.Equal(phrasings.Count, phrasings.Distinct().Count());
            foreach (string text in phrasings)
            {
                Assert.Equal(spec, CaptionParser.Parse(text, category));
                Spec inferred = CaptionParser.Parse(text.ToUpperInvariant().Replace(" ", "  "));
                Assert.Equal((spec.First, spec.Second, spec.Relation), (inferred.First, inferred.Second, inferred.Relation));
                Assert.Equal(Spec.InferCategory(spec.First, spec.Second, spec.Relation), inferred.Category);
                captions++;
            }
        }
        Assert.True(captions > 10);
    }

    [Fact]
    public void CanonicalCaptions()
    {
        Assert.Equal("a red circle", new Spec(Category.Colours, new ObjectTerm(Shape.Circle, Colour.Red)).ToString());
        Assert.Equal("three green circles", new Spec(Category.Counting, new ObjectTerm(Shape.Circle, Colour.Green, 3)).ToString());
        Assert.Equal("a blue square and a yellow triangle",
            new Spec(Category.TwoObjects, new ObjectTerm(Shape.Square, Colour.Blue), new ObjectTerm(Shape.Triangle, Colour.Yellow)).ToString());
        var position = new Spec(Category.Position, new ObjectTerm(Shape.Square, Colour.Red), new ObjectTerm(Shape.Circle, Colour.Blue), Relation.LeftOf);
        Assert.Equal("a red square to the left of a blue circle", position.ToString());
        Assert.Contains("a square that is red left of one blue circle", CaptionGrammar.Phrasings(position));
        Assert.Equal(
            ["a red circle", "one red circle", "a single red circle", "a circle that is red"],
            CaptionGrammar.Phrasings(new Spec(Category.SingleObject, new ObjectTerm(Shape.Circle, Colour.Red))));
        Assert.Equal(
            ["two triangles", "exactly two triangles"],
            CaptionGrammar.Phrasings(new Spec(Category.Counting, new ObjectTerm(Shape.Triangle, null, 2))));
    }

    [Fact]
    public void VocabularyIsExactlyTheWordsCaptionsUse()
    {
        var used = Vocabulary.Categories.SelectMany(c => PromptSuite.AllSpecs(c))
            .SelectMany(CaptionGrammar.Phrasings).SelectMany(t => t.Split(' ')).ToHashSet();
        Assert.Equal(Vocabulary.Words.Order(), used.Order());
        Assert.All(Vocabulary.Words, w => Assert.Matches("^[a-z]+$", w));
        Assert.Equal(Vocabulary.Words.Count, Vocabulary.Words.Distinct().Count());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("a red circle.", "'circle.' is not in the vocabulary")]
    [InlineData("a pink circle", "'pink' is not in the vocabulary")]
    [InlineData("a red", "expected a shape at the end")]
    [InlineData("red circle", "expected an object")]
    [InlineData("a circles", "should be singular")]
    [InlineData("three red circle", "should be plural")]
    [InlineData("exactly one circle", "expected two, three or four after 'exactly'")]
    [InlineData("a red circle that is blue", "colour is given twice")]
    [InlineData("one circle that is red", "only follows")]
    [InlineData("exactly two circles that are red", "only follows")]
    [InlineData("a circle that is", "expected a colour")]
    [InlineData("a circle that are red", "expected 'is'")]
    [InlineData("a circle a square", "expected 'and', 'along with' or a relation")]
    [InlineData("a circle to the above of a square", "expected 'and', 'along with' or a relation")]
    [InlineData("a circle and a square and a triangle", "unexpected 'and' after a complete caption")]
    [InlineData("two circles and a square", "counts are only allowed")]
    [InlineData("a circle and a red circle", "told apart")]
    [InlineData("a red circle above a red circle", "told apart")]
    [InlineData("a circle left of", "expected an object")]
    public void RefusesTextOutsideTheGrammar(string caption, string message)
    {
        var e = Assert.Throws<CaptionParseException>(() => CaptionParser.Parse(caption));
        Assert.Contains(message, e.Message);
        Assert.Contains($"\"{caption}\"", e.Message);
        Assert.Null(CaptionParser.TryParse(caption, out string? error));
        Assert.Equal(e.Message, error);
    }

    [Theory]
    [InlineData("a circle", Category.Colours, "names the object's colour")]
    [InlineData("a red circle", Category.Counting, "counts 2 to 4")]
    [InlineData("two red circles", Category.SingleObject, "not counts")]
    [InlineData("a red circle and a red square", Category.ColourAttribution, "different shapes and different colours")]
    [InlineData("a red circle and a square", Category.ColourAttribution, "names both objects' colours")]
    [InlineData("a red circle and a blue square", Category.Position, "needs a relation")]
    [InlineData("a red circle above a blue square", Category.TwoObjects, "has no relation")]
    [InlineData("a red circle", Category.TwoObjects, "describes two objects")]
    public void RefusesCaptionsOutsideTheirCategory(string caption, Category category, string message)
    {
        Assert.Contains(message, Assert.Throws<CaptionParseException>(() => CaptionParser.Parse(caption, category)).Message);
        CaptionParser.Parse(caption);
    }

    [Fact]
    public void SpecsCheckTheirStructure()
    {
        Assert.Throws<ArgumentException>(() => new Spec(Category.Counting, new ObjectTerm(Shape.Circle)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ObjectTerm(Shape.Circle, null, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ObjectTerm(Shape.Circle, null, 0));
        // Value equality, so parsed specs compare with built ones.
        Assert.Equal(new Spec(Category.Colours, new ObjectTerm(Shape.Circle, Colour.Red)), new Spec(Category.Colours, new ObjectTerm(Shape.Circle, Colour.Red)));
        Assert.NotEqual(new Spec(Category.Colours, new ObjectTerm(Shape.Circle, Colour.Red)), new Spec(Category.SingleObject, new ObjectTerm(Shape.Circle, Colour.Red)));
    }
}
