using Align.ShapeWorld;

namespace Align.Tests.ShapeWorld;

public class CounterfactualTwinTests
{
    [Theory]
    [MemberData(nameof(SpecSamplingTests.AllCategories), MemberType = typeof(SpecSamplingTests))]
    public void EveryTwinSatisfiesTheContradictionAndFailsTheSpec(Category category)
    {
        var random = new Random(5);
        int twins = 0;
        foreach (Spec spec in PromptSuite.AllSpecs(category).Take(60))
        {
            Scene scene = SceneSampler.Sample(spec, random);
            foreach (Spec contradiction in SpecPerturbation.Candidates(spec))
            {
                Scene? twin = CounterfactualTwin.Of(scene, spec, contradiction, random);
                Assert.NotNull(twin);
                IReadOnlyList<Detection> truth = Detection.FromScene(twin);
                Assert.True(SpecChecker.Check(contradiction, truth).Passed, $"twin of \"{spec}\" fails \"{contradiction}\": {twin}");
                Assert.False(SpecChecker.Check(spec, truth).Passed, $"twin still satisfies \"{spec}\": {twin}");
                twins++;
            }
        }
        Assert.True(twins >= 20, $"only {twins} twins");
    }

    [Fact]
    public void AnotherColourIsPaintedInPlace()
    {
        var spec = new Spec(Category.Colours, new ObjectTerm(Shape.Circle, Colour.Red));
        var scene = new Scene([new SceneObject(Shape.Circle, Colour.Red, ObjectSize.Large, 0.3, 0.6)]);
        Scene twin = CounterfactualTwin.Of(scene, spec, new Spec(Category.Colours, new ObjectTerm(Shape.Circle, Colour.Blue)), new Random(1))!;
        Assert.Equal([new SceneObject(Shape.Circle, Colour.Blue, ObjectSize.Large, 0.3, 0.6)], twin.Objects);
    }

    [Fact]
    public void AFlippedRelationExchangesTheTwoObjectsPlaces()
    {
        var red = new ObjectTerm(Shape.Square, Colour.Red);
        var blue = new ObjectTerm(Shape.Circle, Colour.Blue);
        var spec = new Spec(Category.Position, red, blue, Relation.LeftOf);
        var scene = new Scene([new SceneObject(Shape.Square, Colour.Red, ObjectSize.Small, 0.2, 0.5), new SceneObject(Shape.Circle, Colour.Blue, ObjectSize.Small, 0.7, 0.4)]);
        Scene twin = CounterfactualTwin.Of(scene, spec, new Spec(Category.Position, red, blue, Relation.RightOf), new Random(1))!;
        Assert.Equal([scene.Objects[0] with { X = 0.7, Y = 0.4 }, scene.Objects[1] with { X = 0.2, Y = 0.5 }], twin.Objects);
    }

    [Fact]
    public void ALowerCountDropsObjectsAndAHigherOneKeepsTheRestWhereTheyWere()
    {
        var spec = new Spec(Category.Counting, new ObjectTerm(Shape.Triangle, Colour.Green, 3));
        Scene scene = SceneSampler.Sample(spec, 3);
        Scene fewer = CounterfactualTwin.Of(scene, spec, new Spec(Category.Counting, new ObjectTerm(Shape.Triangle, Colour.Green, 2)), new Random(1))!;
        Assert.Equal(scene.Objects.Take(2), fewer.Objects);
        Scene more = CounterfactualTwin.Of(scene, spec, new Spec(Category.Counting, new ObjectTerm(Shape.Triangle, Colour.Green, 4)), new Random(1))!;
        Assert.Equal(scene.Objects, more.Objects.Take(3));
        Assert.Equal(4, more.Objects.Count);
    }
}
