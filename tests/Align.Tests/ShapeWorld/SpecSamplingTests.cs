using Align.ShapeWorld;

namespace Align.Tests.ShapeWorld;

public class SpecSamplingTests
{
    public static TheoryData<Category> AllCategories => new(Vocabulary.Categories);

    [Theory]
    [MemberData(nameof(AllCategories))]
    public void SampledScenesSatisfyTheirSpecAndDescribeBack(Category category)
    {
        int seed = 0;
        foreach (Spec spec in PromptSuite.AllSpecs(category))
        {
            seed++;
            Scene scene = SceneSampler.Sample(spec, seed);
            Assert.Equal(scene.ToString(), SceneSampler.Sample(spec, seed).ToString());
            Assert.Equal(spec.Terms.Sum(t => t.Count), scene.Objects.Count);
            Verdict truth = SpecChecker.Check(spec, Detection.FromScene(scene));
            Assert.True(truth.Passed, $"\"{spec}\": {truth}");

            Spec? described = SceneDescriber.Describe(scene, category);
            Assert.NotNull(described);
            Assert.True(SpecChecker.Check(described, Detection.FromScene(scene)).Passed);
            // Where the spec names every colour, describing its scene gives the spec back (position: the relation is the
            // clearest one, which may differ from the one asked for).
            bool allColoured = spec.Terms.All(t => t.Colour is not null);
            if (allColoured && category != Category.Position) Assert.Equal(spec, described);
            if (allColoured && category == Category.Position) Assert.Equal((spec.First, spec.Second), (described.First, described.Second));
        }
    }

    [Fact]
    public void DescribeRefusesScenesACategoryCannotDescribe()
    {
        var red = new SceneObject(Shape.Circle, Colour.Red, ObjectSize.Small, 0.2, 0.2);
        var blue = new SceneObject(Shape.Square, Colour.Blue, ObjectSize.Small, 0.8, 0.8);
        var twin = red with { X = 0.8, Y = 0.2 };
        Assert.Equal([Category.SingleObject, Category.Colours], SceneDescriber.Categories(new Scene([red])));
        Assert.Equal([Category.TwoObjects, Category.Position, Category.ColourAttribution], SceneDescriber.Categories(new Scene([red, blue])));
        Assert.Equal([Category.Counting], SceneDescriber.Categories(new Scene([red, twin])));
        Assert.Equal("two red circles", SceneDescriber.Describe(new Scene([red, twin]), Category.Counting)!.ToString());
        Assert.Equal("three circles", SceneDescriber.Describe(new Scene([red, twin, twin with { Y = 0.8, Colour = Colour.White }]), Category.Counting)!.ToString());
        var near = new SceneObject(Shape.Square, Colour.Blue, ObjectSize.Small, 0.2, 0.2 + 0.18 + Scene.Margin + 0.001);
        Assert.Equal("a red circle above a blue square", SceneDescriber.Describe(new Scene([red, near]), Category.Position)!.ToString());
    }

    [Fact]
    public void PositionScenesKeepAClearGap()
    {
        foreach (Spec spec in PromptSuite.AllSpecs(Category.Position).Take(300))
        {
            Scene scene = SceneSampler.Sample(spec, 5);
            Assert.True(SceneSampler.RelationHolds(spec.Relation!.Value, scene.Objects[0], scene.Objects[1], SceneSampler.RelationGap));
        }
    }
}
