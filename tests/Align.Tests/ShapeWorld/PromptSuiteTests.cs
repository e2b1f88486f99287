using Align.ShapeWorld;

namespace Align.Tests.ShapeWorld;

public class PromptSuiteTests
{
    public static TheoryData<Category> AllCategories => new(Vocabulary.Categories);

    [Theory]
    [MemberData(nameof(AllCategories))]
    public void TrainAndEvalAreDisjointByCombination(Category category)
    {
        var train = PromptSuite.Specs(category, Split.Train);
        var eval = PromptSuite.Specs(category, Split.Eval);
        Assert.NotEmpty(eval);
        Assert.True(train.Count > eval.Count);
        var trainKeys = train.Select(PromptSuite.GroupKey).ToHashSet();
        Assert.DoesNotContain(eval, s => trainKeys.Contains(PromptSuite.GroupKey(s)));
        Assert.Empty(train.Intersect(eval));
        // Together they are every spec of the category, each once.
        var all = PromptSuite.AllSpecs(category);
        Assert.Equal(all.Count, train.Count + eval.Count);
        Assert.Equal(all.ToHashSet(), train.Concat(eval).ToHashSet());
        Assert.All(train.Concat(eval), s => Assert.Equal(category, s.Category));
        // Every prompt text, in any phrasing, reads back as its spec.
        foreach (Prompt p in PromptSuite.Prompts(category, Split.Eval, allPhrasings: true))
            Assert.Equal(p.Spec, CaptionParser.Parse(p.Text, category));
    }

    [Fact]
    public void EquivalentCaptionsShareASplit()
    {
        var a = CaptionParser.Parse("a red square left of a blue circle");
        var b = CaptionParser.Parse("a blue circle right of a red square");
        Assert.Equal(PromptSuite.GroupKey(a), PromptSuite.GroupKey(b));
        var c = CaptionParser.Parse("a red square and a blue circle");
        var d = CaptionParser.Parse("a blue circle and a red square");
        Assert.Equal(PromptSuite.GroupKey(c), PromptSuite.GroupKey(d));
        Assert.NotEqual(PromptSuite.GroupKey(a), PromptSuite.GroupKey(CaptionParser.Parse("a red square above a blue circle")));
        foreach (Category cat in new[] { Category.Position, Category.TwoObjects, Category.ColourAttribution })
        {
            var eval = PromptSuite.Specs(cat, Split.Eval).Select(PromptSuite.GroupKey).ToHashSet();
            Assert.All(PromptSuite.Specs(cat, Split.Eval), s => Assert.Contains(PromptSuite.GroupKey(s), eval));
        }
    }

    [Fact]
    public void SuitesAreDeterministicAndSizedAsDocumented()
    {
        var sizes = Vocabulary.Categories.ToDictionary(c => c, c => PromptSuite.AllSpecs(c).Count);
        Assert.Equal(21, sizes[Category.SingleObject]);
        Assert.Equal(18, sizes[Category.Colours]);
        Assert.Equal(63, sizes[Category.Counting]);
        Assert.Equal(180, sizes[Category.ColourAttribution]);
        Assert.Equal(384, sizes[Category.TwoObjects]);
        Assert.Equal(384 * 4, sizes[Category.Position]);
        // Fixed split: pinned so a change of shuffle or enumeration is noticed (prompt suites are part of the yardstick).
        Assert.Equal(["a red square", "a white triangle", "a blue circle", "two green squares"],
            new[] {
                PromptSuite.Prompts(Category.SingleObject, Split.Eval)[0].Text,
                PromptSuite.Prompts(Category.Colours, Split.Eval)[0].Text,
                PromptSuite.Sample(Category.Colours, Split.Train, 1, 3)[0].Text,
                PromptSuite.Prompts(Category.Counting, Split.Eval)[0].Text,
            });
    }

    [Fact]
    public void SampleGivesNPromptsOfTheSplit()
    {
        var eval = PromptSuite.Specs(Category.Counting, Split.Eval).ToHashSet();
        var prompts = PromptSuite.Sample(Category.Counting, Split.Eval, 100, 9);
        Assert.Equal(100, prompts.Count);
        Assert.All(prompts, p => Assert.Contains(p.Spec, eval));
        // Every spec is used before any repeats.
        Assert.Equal(Math.Min(100, eval.Count), prompts.Take(eval.Count).Select(p => p.Spec).Distinct().Count());
        Assert.Equal(prompts, PromptSuite.Sample(Category.Counting, Split.Eval, 100, 9));
        Assert.NotEqual(prompts, PromptSuite.Sample(Category.Counting, Split.Eval, 100, 10));
        var all = PromptSuite.All(Split.Train);
        Assert.Equal(Vocabulary.Categories.Count, all.Count);
        Assert.All(all, kv => Assert.All(kv.Value, p => Assert.Equal(kv.Key, p.Category)));
    }

    [Fact]
    public void GeneratedExamplesComeFromTheirSplit()
    {
        for (int i = 0; i < 200; i++)
        {
            CaptionedScene e = CaptionedScenes.Generate(Split.Eval, 1, i);
            Assert.Contains(e.Prompt.Spec, PromptSuite.Specs(e.Prompt.Category, Split.Eval));
            Assert.Equal(e.Prompt.Spec, CaptionParser.Parse(e.Prompt.Text, e.Prompt.Category));
            Assert.Equal(e, CaptionedScenes.Generate(Split.Eval, 1, i) with { Scene = e.Scene });
            Assert.Equal(e.Scene.ToString(), CaptionedScenes.Generate(Split.Eval, 1, i).Scene.ToString());
        }
        Assert.Equal(Vocabulary.Categories.Count, Enumerable.Range(0, 200).Select(i => CaptionedScenes.Generate(Split.Train, 2, i).Prompt.Category).Distinct().Count());
    }
}
