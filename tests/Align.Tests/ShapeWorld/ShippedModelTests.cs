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
    public void GeneratesRecognisableScenesItsRewardAndJudgePreferTheirPrompt()
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel model = StableDiffusionModel.Load(Path.Combine(Root(), "model"));
        using ClipScoreReward reward = ClipScoreReward.FromPretrained(Path.Combine(Root(), "reward"));
        using IRewardModel judge = RewardModels.Load(Path.Combine(Root(), "judge"), "shapeworld-judge", Device.CPU);
        Assert.IsType<FilmJudgeReward>(judge);
        Assert.True(judge.IsDifferentiable);
        var pipeline = new TextToImagePipeline(model);
        const string prompt = "a white triangle";
        using GenerationResult result = pipeline.Generate(new TextToImageRequest(prompt, [1000, 1001, 1002, 1003], 64, 64, 20, 5.0));
        Verdict[] verdicts = Enumerable.Range(0, 4).Select(i => Verifier.Verify(CaptionParser.Parse(prompt), result.Images[i])).ToArray();
        Assert.True(verdicts.Count(v => v.Passed) >= 2, string.Join("; ", verdicts.Select(v => v.Reason)));
        using var noGrad = Autograd.NoGrad();
        AssertPrefersThePrompt(reward, result.Images, prompt);
        AssertPrefersThePrompt(judge, result.Images, prompt);
    }

    // The reward scores the images higher, on average, for the prompt they were made for than for a different one.
    private static void AssertPrefersThePrompt(IRewardModel reward, Tensor images, string prompt)
    {
        float[] matched = reward.Score(images, Enumerable.Repeat(prompt, 4).ToArray()).ToArray<float>();
        float[] other = reward.Score(images, Enumerable.Repeat("three red circles", 4).ToArray()).ToArray<float>();
        Assert.True(matched.Average() > other.Average(), $"{reward.Name} {matched.Average():F2} for the prompt vs {other.Average():F2} for another");
    }
}
