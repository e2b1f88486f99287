using Align.ShapeWorld;
using Torch;

namespace Align.Tests.ShapeWorld;

public class VerdictTests
{
    private static readonly SceneObject Red = new(Shape.Square, Colour.Red, ObjectSize.Large, 0.25, 0.3);
    private static readonly SceneObject Blue = new(Shape.Circle, Colour.Blue, ObjectSize.Small, 0.75, 0.3);

    private static Verdict Verify(string caption, params SceneObject[] objects) =>
        Verifier.Verify(caption, SceneRenderer.Render(new Scene(objects)));

    [Fact]
    public void ReasonsSayWhatWasExpectedAndFound()
    {
        var g1 = new SceneObject(Shape.Circle, Colour.Green, ObjectSize.Small, 0.2, 0.8);
        var g2 = g1 with { X = 0.5 };
        Verdict count = Verify("three green circles", g1, g2, Red);
        Assert.False(count.Passed);
        Assert.Equal(Category.Counting, count.Category);
        Assert.StartsWith("expected 3 green circles, found 2", count.Reason);
        Assert.True(Verify("two green circles", g1, g2, Red).Passed);
        Assert.True(Verify("exactly two circles", g1, g2, Red).Passed);

        Verdict left = Verify("a blue circle to the left of a red square", Red, Blue);
        Assert.False(left.Passed);
        Assert.StartsWith("blue circle is not left of red square", left.Reason);
        Verdict right = Verify("a red square left of a blue circle", Red, Blue);
        Assert.True(right.Passed, right.ToString());
        Assert.Equal("red square left of blue circle", right.Reason);

        Verdict missing = Verify("a yellow triangle", Red);
        Assert.Equal("expected a yellow triangle, found none (detected: red square at (0.25, 0.30))", missing.Reason);
        Assert.Equal("found a red square and a blue circle", Verify("a red square and a blue circle", Red, Blue).Reason);
        Assert.False(Verify("a blue square and a red circle", Red, Blue).Passed);
    }

    [Fact]
    public void DetectsGeometry()
    {
        var scene = new Scene([Red, Blue, new SceneObject(Shape.Triangle, Colour.White, ObjectSize.Large, 0.5, 0.75)]);
        var detections = ShapeDetector.Detect(SceneRenderer.Render(scene)).OrderBy(d => d.Colour).ToArray();
        var truth = Detection.FromScene(scene).OrderBy(d => d.Colour).ToArray();
        Assert.Equal(truth.Length, detections.Length);
        for (int i = 0; i < truth.Length; i++)
        {
            Assert.Equal((truth[i].Shape, truth[i].Colour), (detections[i].Shape, detections[i].Colour));
            Assert.Equal(truth[i].CentroidX, detections[i].CentroidX, 0.01);
            Assert.Equal(truth[i].CentroidY, detections[i].CentroidY, 0.01);
            Assert.Equal(truth[i].Area, detections[i].Area, 0.002);
            // Pixel boxes: within a pixel of the true box.
            Assert.Equal(truth[i].X0, detections[i].X0, 1.0 / 64 + 1e-9);
            Assert.Equal(truth[i].Y1, detections[i].Y1, 1.0 / 64 + 1e-9);
        }
    }

    [Fact]
    public void TensorBytesAndImageInputsAgree()
    {
        using var scope = torch.NewDisposeScope();
        RgbImage image = SceneRenderer.Render(new Scene([Red, Blue]));
        Spec spec = CaptionParser.Parse("a red square to the left of a blue circle");
        Verdict a = Verifier.Verify(spec, image), b = Verifier.Verify(spec, image.ToTensor()), c = Verifier.Verify(spec, image.ToBytes(), 64, 64);
        Assert.True(a.Passed && b.Passed && c.Passed);
        Assert.Equal(a.Detections, b.Detections);
        Assert.Equal(a.Detections.Select(d => (d.Shape, d.Colour)), c.Detections.Select(d => (d.Shape, d.Colour)));
    }

    [Fact]
    public void EmptyOrNoisyImagesHaveNoObjects()
    {
        var (r, g, b) = Palette.BackgroundUnit;
        var data = new float[3 * 64 * 64];
        for (int i = 0; i < data.Length; i += 3) (data[i], data[i + 1], data[i + 2]) = (r, g, b);
        var blank = new RgbImage(64, 64, data);
        Assert.Empty(ShapeDetector.Detect(blank));
        Assert.Empty(ShapeDetector.Detect(Degradations.AddNoise(blank, 0.1, 1)));
        Verdict v = Verifier.Verify("a red circle", blank);
        Assert.Equal("expected a red circle, found none (nothing detected)", v.Reason);
    }

    [Fact]
    public void WrongCaptionsChangeOneAttributeAndAreFalse()
    {
        Spec attr = CaptionParser.Parse("a red square and a blue circle");
        Assert.Equal(["a blue square and a red circle"], SpecPerturbation.Candidates(attr).Select(s => s.ToString()));
        Spec pos = CaptionParser.Parse("a red square left of a blue circle");
        Assert.Equal(["a red square to the right of a blue circle", "a blue circle to the left of a red square"],
            SpecPerturbation.Candidates(pos).Select(s => s.ToString()));
        Spec count = CaptionParser.Parse("three circles");
        Assert.Equal(["two circles", "four circles"], SpecPerturbation.Candidates(count).Select(s => s.ToString()));
        Scene scene = new([Red, Blue]);
        Spec two = CaptionParser.Parse("a red square and a blue circle", Category.TwoObjects);
        for (int seed = 0; seed < 20; seed++)
        {
            Spec wrong = SpecPerturbation.Contradict(two, scene, new Random(seed))!;
            Assert.Equal(Category.TwoObjects, wrong.Category);
            Assert.False(SpecChecker.Check(wrong, Detection.FromScene(scene)).Passed);
        }
    }
}
