using Align.ShapeWorld;

namespace Align.Tests.ShapeWorld;

public class HindsightCaptionsTests
{
    private static readonly Spec ThreeRedCircles = new(Category.Counting, new ObjectTerm(Shape.Circle, Colour.Red, 3));

    private static IReadOnlyList<Detection> Seen(params SceneObject[] objects) => Detection.FromScene(new Scene(objects));

    [Fact]
    public void AFailedCountIsRelabelledWithTheCountDrawn()
    {
        var seen = Seen(new SceneObject(Shape.Circle, Colour.Red, ObjectSize.Small, 0.25, 0.3), new SceneObject(Shape.Circle, Colour.Red, ObjectSize.Small, 0.7, 0.6));
        HindsightCaptions captions = HindsightCaptions.For(ThreeRedCircles, seen)!;
        Assert.Equal([new Spec(Category.Counting, new ObjectTerm(Shape.Circle, Colour.Red, 2))], captions.Holding);
        Assert.Equal([ThreeRedCircles], captions.Failing);
    }

    [Fact]
    public void APassedPromptIsContrastedWithEveryEditItFails()
    {
        var asked = new Spec(Category.Position, new ObjectTerm(Shape.Circle, Colour.Red), new ObjectTerm(Shape.Square, Colour.Blue), Relation.LeftOf);
        var seen = Seen(new SceneObject(Shape.Circle, Colour.Red, ObjectSize.Small, 0.25, 0.5), new SceneObject(Shape.Square, Colour.Blue, ObjectSize.Small, 0.75, 0.5));
        HindsightCaptions captions = HindsightCaptions.For(asked, seen)!;
        Assert.Equal([asked], captions.Holding);
        Assert.Equal(SpecPerturbation.Candidates(asked), captions.Failing);
        (string holding, string failing) = captions.Draw(new Random(3));
        Assert.Equal(asked, CaptionParser.Parse(holding, Category.Position));
        Assert.Contains(CaptionParser.Parse(failing, Category.Position), SpecPerturbation.Candidates(asked));
    }

    [Fact]
    public void AnImageNoEditOfThePromptDescribesHasNone()
    {
        var seen = Seen(new SceneObject(Shape.Triangle, Colour.Green, ObjectSize.Large, 0.5, 0.5));
        Assert.Null(HindsightCaptions.For(ThreeRedCircles, seen));
    }

    // The invariant on scenes of every category and their twins (images that pass and images that fail):
    // the detector's reading holds every holding spec and fails every failing one, one attribute apart.
    [Theory]
    [MemberData(nameof(SpecSamplingTests.AllCategories), MemberType = typeof(SpecSamplingTests))]
    public void HoldingAndFailingSitOnEitherSideOfTheVerdict(Category category)
    {
        var random = new Random(9);
        int passed = 0, relabelled = 0;
        foreach (Spec spec in PromptSuite.AllSpecs(category).Take(30))
        {
            Scene scene = SceneSampler.Sample(spec, random);
            Scene? twin = SpecPerturbation.Contradict(spec, scene, random) is { } wrong ? CounterfactualTwin.Of(scene, spec, wrong, random) : null;
            foreach (Scene drawn in twin is null ? [scene] : new[] { scene, twin })
            {
                IReadOnlyList<Detection> seen = Detection.FromScene(drawn);
                if (HindsightCaptions.For(spec, seen) is not { } captions) continue;
                Assert.All(captions.Holding, s => Assert.True(SpecChecker.Check(s, seen).Passed, $"{drawn} fails holding \"{s}\""));
                Assert.All(captions.Failing, s => Assert.False(SpecChecker.Check(s, seen).Passed, $"{drawn} holds failing \"{s}\""));
                Assert.All(captions.Holding.Concat(captions.Failing), s => Assert.True(s == spec || SpecPerturbation.Candidates(spec).Contains(s)));
                if (captions.Holding.Contains(spec)) passed++;
                else relabelled++;
            }
        }
        Assert.True(passed >= 10 && relabelled >= 10, $"{passed} passing and {relabelled} relabelled images");
    }
}
