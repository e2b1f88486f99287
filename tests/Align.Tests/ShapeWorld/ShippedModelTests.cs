using System.Security.Cryptography;
using System.Text.Json;
using Align.Pipelines;
using Align.Rewards;
using Align.ShapeWorld;
using Torch;

namespace Align.Tests.ShapeWorld;

/// <summary>The embedded default model (models/shapeworld) is intact, loads, and draws scenes the verifier recognises.</summary>
public class ShippedModelTests
{
    private static string Root()
    {
        string path = Path.Combine(Reference.RepositoryRoot, "models", "shapeworld");
        Assert.True(Directory.Exists(path), $"the embedded model is missing: {path}");
        return path;
    }

    [Fact]
    public void FilesMatchTheManifest()
    {
        string root = Root();
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "manifest.json")));
        var listed = manifest.RootElement.GetProperty("files").EnumerateObject().ToList();
        Assert.NotEmpty(listed);
        foreach (JsonProperty f in listed)
        {
            using FileStream s = File.OpenRead(Path.Combine(root, f.Name));
            Assert.True(f.Value.GetString() == Convert.ToHexStringLower(SHA256.HashData(s)), $"{f.Name} differs from its manifest sha256");
        }
        Assert.Equal(6, manifest.RootElement.GetProperty("evaluation").GetProperty("result").GetProperty("categories").GetArrayLength());
    }

    [Fact]
    public void GeneratesRecognisableScenesItsRewardAndJudgesPreferTheirPrompt()
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel model = StableDiffusionModel.Load(Path.Combine(Root(), "model"));
        using ClipScoreReward reward = ClipScoreReward.FromPretrained(Path.Combine(Root(), "reward"));
        using IRewardModel judge = RewardModels.Load(Path.Combine(Root(), "judge"), "shapeworld-judge", Device.CPU);
        using IRewardModel hindsightJudge = RewardModels.Load(Path.Combine(Root(), "judge-hindsight"), "shapeworld-judge-hindsight", Device.CPU);
        Assert.All([judge, hindsightJudge], j => Assert.True(j is FilmJudgeReward && j.IsDifferentiable, $"{j.Name}: a {j.GetType().Name}"));
        var pipeline = new TextToImagePipeline(model);
        const string prompt = "a white triangle";
        using GenerationResult result = pipeline.Generate(new TextToImageRequest(prompt, [1000, 1001, 1002, 1003], 64, 64, 20, 5.0));
        Verdict[] verdicts = Enumerable.Range(0, 4).Select(i => Verifier.Verify(CaptionParser.Parse(prompt), result.Images[i])).ToArray();
        Assert.True(verdicts.Count(v => v.Passed) >= 2, string.Join("; ", verdicts.Select(v => v.Reason)));
        using var noGrad = Autograd.NoGrad();
        bool[] passed = verdicts.Select(v => v.Passed).ToArray();
        AssertPrefersThePrompt(reward, result.Images, passed, prompt);
        AssertPrefersThePrompt(judge, result.Images, passed, prompt);
        AssertPrefersThePrompt(hindsightJudge, result.Images, passed, prompt);
    }

    [Fact]
    public void ItsCounterCountsTheObjectsOfScenesItNeverSaw()
    {
        // rendered scenes of the eval split's captions (the counter trained on the train split's): each shape × colour's
        // count, rounded, against the scene's own objects
        using var scope = torch.NewDisposeScope();
        using IRewardModel loaded = RewardModels.Load(Path.Combine(Root(), "counter"), "shapeworld-counter", Device.CPU);
        var counter = Assert.IsType<CountReward>(loaded);
        Scene[] scenes = Enumerable.Range(0, 60).Select(i => CaptionedScenes.Generate(Split.Eval, 21, i).Scene).ToArray();
        Tensor images = torch.Stack(scenes.Select(s => SceneRenderer.Render(s).ToTensor()).ToArray());
        float[] counts;
        using (Autograd.NoGrad()) counts = counter.Head.Counts(images).Round().ToArray<float>();
        int exact = scenes.Select((scene, i) => Vocabulary.Shapes.All(shape => Vocabulary.Colours.All(colour =>
            counts[i * CountHead.ClassCount + CountHead.ClassOf(shape, colour)] == scene.Objects.Count(o => o.Shape == shape && o.Colour == colour)))).Count(x => x);
        Assert.True(exact >= 48, $"{exact} of 60 scenes counted exactly");
    }

    // The reward scores the images that show the prompt (the verifier passes them) higher, on average, for that prompt than for a
    // different one. Those that fail are left out: a judge that sees what they lack rightly scores them low for the prompt.
    private static void AssertPrefersThePrompt(IRewardModel reward, Tensor images, bool[] passed, string prompt)
    {
        double MeanOverPassed(string caption) =>
            reward.Score(images, Enumerable.Repeat(caption, passed.Length).ToArray()).ToArray<float>().Where((_, i) => passed[i]).Average();
        double matched = MeanOverPassed(prompt), other = MeanOverPassed("three red circles");
        Assert.True(matched > other, $"{reward.Name} {matched:F2} for the prompt vs {other:F2} for another");
    }
}
