using Align.ShapeWorld;
using Xunit.Abstractions;

namespace Align.Tests.ShapeWorld;

/// <summary>
/// The verifier on seeded scenes of every category: "right" means the scene's own caption passes and a deliberately wrong
/// caption of the same category fails. Required: ≥ 99 % on clean renders and ≥ 95 % on degraded ones, per category.
/// </summary>
public class VerifierAccuracyTests(ITestOutputHelper output)
{
    private const int ScenesPerCategory = 400;

    public static TheoryData<string> Conditions => new() { "clean", "degraded" };

    [Theory]
    [MemberData(nameof(Conditions))]
    public void VerifierIsRightOnSeededScenes(string condition)
    {
        bool degraded = condition == "degraded";
        double required = degraded ? 0.95 : 0.99;
        var failures = new List<string>();
        var lines = new List<string>();
        var below = new List<string>();
        foreach (Category category in Vocabulary.Categories)
        {
            int right = 0, ownPassed = 0, wrongFailed = 0;
            for (int i = 0; i < ScenesPerCategory; i++)
            {
                var split = i % 2 == 0 ? Split.Train : Split.Eval;
                CaptionedScene example = CaptionedScenes.Generate(split, 7, i, category);
                Spec wrong = SpecPerturbation.Contradict(example.Prompt.Spec, example.Scene, new Random(i))
                    ?? throw new InvalidOperationException($"no wrong caption for {example.Prompt.Text}");
                RgbImage image = SceneRenderer.Render(example.Scene);
                if (degraded) image = Degradations.Degrade(image, 1000 + i);
                var detections = ShapeDetector.Detect(image);
                Verdict own = SpecChecker.Check(example.Prompt.Spec, detections);
                Verdict other = SpecChecker.Check(wrong, detections);
                if (own.Passed) ownPassed++;
                if (!other.Passed) wrongFailed++;
                if (own.Passed && !other.Passed) right++;
                else if (failures.Count < 20)
                    failures.Add($"{category} #{i} \"{example.Prompt.Text}\" → {own}; wrong \"{wrong}\" → {other}; scene: {example.Scene}");
            }
            double accuracy = (double)right / ScenesPerCategory;
            lines.Add($"{condition,-8} {Spec.CategoryName(category),-18} right {accuracy:P1}  (own caption passes {ownPassed}/{ScenesPerCategory}, wrong caption fails {wrongFailed}/{ScenesPerCategory})");
            if (accuracy < required) below.Add($"{Spec.CategoryName(category)} {accuracy:P1} < {required:P0}");
        }
        // Printed both to xUnit's per-test output and to the console, so the figures show in a plain `dotnet test` run too.
        foreach (string line in lines.Concat(failures.Select(f => "  " + f)))
        {
            output.WriteLine(line);
            Console.WriteLine(line);
        }
        Assert.True(below.Count == 0, $"{condition}: {string.Join("; ", below)}");
    }
}
