using Align.Models;
using Align.Rewards;
using Align.ShapeWorld;
using Torch;

namespace Align.Tests.ShapeWorld;

public class SoftVerifierTests
{
    private static readonly SceneObject RedSquare = new(Shape.Square, Colour.Red, ObjectSize.Large, 0.25, 0.3);
    private static readonly SceneObject BlueCircle = new(Shape.Circle, Colour.Blue, ObjectSize.Small, 0.75, 0.3);

    private static double Probability(string caption, params SceneObject[] objects)
    {
        using var scope = torch.NewDisposeScope();
        return Math.Exp(SoftVerifier.LogProbability(SceneRenderer.Render(new Scene(objects)).ToTensor(), CaptionParser.Parse(caption)).ToDouble());
    }

    [Fact]
    public void PassingCaptionsAreLikelyAndFailingOnesUnlikely()
    {
        var g1 = new SceneObject(Shape.Circle, Colour.Green, ObjectSize.Small, 0.2, 0.8);
        var g2 = g1 with { X = 0.5 };
        var g3 = g1 with { X = 0.8 };
        Assert.True(Probability("a red square left of a blue circle", RedSquare, BlueCircle) > 0.9);
        Assert.True(Probability("a blue circle left of a red square", RedSquare, BlueCircle) < 0.05);
        Assert.True(Probability("a blue circle above a red square", RedSquare, BlueCircle) < 0.05, "same height: the dead zone");
        Assert.True(Probability("a red square and a blue circle", RedSquare, BlueCircle) > 0.9);
        Assert.True(Probability("a blue square and a red circle", RedSquare, BlueCircle) < 0.05);
        Assert.True(Probability("a square", RedSquare) > 0.9);
        Assert.True(Probability("a triangle", RedSquare) < 0.05);
        Assert.True(Probability("a yellow square", RedSquare) < 0.05);
        Assert.True(Probability("three green circles", g1, g2, g3, RedSquare) > 0.9);
        Assert.True(Probability("three circles", g1, g2, g3, RedSquare) > 0.9, "colour left open");
        Assert.True(Probability("two green circles", g1, g2, g3, RedSquare) < 0.05, "exactly two");
        Assert.True(Probability("four green circles", g1, g2, g3, RedSquare) < 0.05);
        Assert.True(Probability("two green circles", g1, g2, RedSquare) > 0.9);
    }

    [Fact]
    public void AgreesWithTheVerifierOnRenderedAndDegradedScenes()
    {
        using var scope = torch.NewDisposeScope();
        int agree = 0, total = 0;
        var random = new Random(7);
        foreach (Category category in Vocabulary.Categories)
            foreach (Spec spec in PromptSuite.Specs(category, Split.Eval).Take(12))
            {
                Scene scene = SceneSampler.Sample(spec, random.Next());
                RgbImage image = Degradations.AddNoise(SceneRenderer.Render(scene), 0.03, random.Next());
                foreach (Spec judged in new[] { spec, SpecPerturbation.Contradict(spec, scene, random) }.OfType<Spec>())
                {
                    bool passes = Verifier.Verify(judged, image).Passed;
                    double p = Math.Exp(SoftVerifier.LogProbability(image.ToTensor(), judged).ToDouble());
                    agree += passes == p > 0.5 ? 1 : 0;
                    total++;
                }
            }
        Assert.True(total > 100, $"only {total} judgements");
        Assert.True(agree >= 0.95 * total, $"soft verifier agreed with the verifier on {agree} of {total}");
    }

    [Fact]
    public void ItsGradientMovesPixelsTowardsPassing()
    {
        using var scope = torch.NewDisposeScope();
        // A blue circle asked to be purple: gradient ascent on the pixels alone should make the caption likelier.
        Spec spec = CaptionParser.Parse("a purple circle");
        Tensor image = SceneRenderer.Render(new Scene([BlueCircle with { Colour = Colour.Blue, Size = ObjectSize.Large }])).ToTensor().RequiresGrad_(true);
        Tensor before = SoftVerifier.LogProbability(image, spec);
        before.Backward();
        Tensor grad = image.Grad!;
        Assert.True(grad.IsFinite().All().ToBoolean(), "the gradient has non-finite entries");
        Assert.True(grad.Abs().Sum().ToDouble() > 0, "the gradient is zero");
        double logp = before.ToDouble();
        using (Autograd.NoGrad())
        {
            Tensor stepped = (image + grad / grad.Norm() * 5.0).Clamp(0, 1);
            double after = SoftVerifier.LogProbability(stepped, spec).ToDouble();
            Assert.True(after > logp + 0.5, $"log P went from {logp:F3} to {after:F3}");
        }
    }

    [Fact]
    public void AnEmptyCanvasIsUnlikelyButKeepsAGradient()
    {
        using var scope = torch.NewDisposeScope();
        var (r, g, b) = Palette.BackgroundUnit;
        var data = new float[3 * 64 * 64];
        for (int i = 0; i < data.Length; i += 3) (data[i], data[i + 1], data[i + 2]) = (r, g, b);
        // Generated backgrounds are never flat; on an exactly flat one every blend weight sits at its clamp.
        Tensor blank = Degradations.AddNoise(new RgbImage(64, 64, data), 0.02, 1).ToTensor().RequiresGrad_(true);
        Tensor logp = SoftVerifier.LogProbability(blank, CaptionParser.Parse("a red circle"));
        Assert.True(double.IsFinite(logp.ToDouble()) && logp.ToDouble() < Math.Log(0.01), $"log P {logp.ToDouble()}");
        logp.Backward();
        Assert.True(blank.Grad!.IsFinite().All().ToBoolean());
        Assert.True(blank.Grad!.Abs().Sum().ToDouble() > 0, "nothing to climb from an empty image");
    }

    [Fact]
    public void TheRewardScoresBatchesAndLoadsByName()
    {
        using var scope = torch.NewDisposeScope();
        using IRewardModel reward = RewardModels.Load("shapeworld-soft-verifier", "soft", Device.CPU);
        Assert.True(reward.IsDifferentiable);
        Assert.Equal("soft", reward.Name);
        Tensor images = torch.Stack([SceneRenderer.Render(new Scene([RedSquare, BlueCircle])).ToTensor(), SceneRenderer.Render(new Scene([BlueCircle])).ToTensor()]);
        double[] scores = reward.Score(images, ["a red square and a blue circle", "a red square and a blue circle"]).ToArray<float>().Select(f => (double)f).ToArray();
        Assert.True(scores[0] > Math.Log(0.9) && scores[0] <= 0, $"{scores[0]}");
        Assert.True(scores[1] < Math.Log(0.05), $"{scores[1]}");
        Assert.True(double.IsNaN(reward.Score(images.Narrow(0, 0, 1), ["a photo of a cat"]).ToArray<float>()[0]));
        Assert.Throws<ModelLoadException>(() => RewardModels.Load("no-such-reward", "x", Device.CPU));
    }
}
