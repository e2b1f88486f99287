using System.Text.Json;
using Align.Models.Clip;
using Align.Rewards;
using Align.Text;
using Torch;
using Torch.Optim;
using Training.Pretraining;

namespace Training.Tests;

/// <summary>Training the image-text matching judge: its loss learns twins apart, and <c>train-itm</c> writes a reward directory.</summary>
public class ImageTextMatchingTrainingTests
{
    private static string ShapeWorldReward => Path.Combine(Shared.RepositoryRoot, "models", "shapeworld", "reward");

    // Judges started from the shipped ShapeWorld CLIP, as train-itm starts them (heads of random weights, seed 3).
    private static FilmJudgeReward NewFilmJudge()
    {
        var text = ClipTextModel.FromPretrained(ShapeWorldReward);
        torch.ManualSeed(3);
        return new FilmJudgeReward(text, FilmJudgeReward.NewHead(text, imageSize: 64, channels: 16, blocks: 2), ClipTokenizer.FromDirectory(ShapeWorldReward));
    }

    private static ImageTextMatchingReward NewItmJudge()
    {
        var towers = ClipModel.FromPretrained(ShapeWorldReward);
        torch.ManualSeed(3);
        return new ImageTextMatchingReward(towers, ImageTextMatchingReward.NewHead(towers, layers: 1), ClipTokenizer.FromDirectory(ShapeWorldReward));
    }

    // The ITM head on twins of every category; the FiLM head on left/right twins, the relation the ITM head never learnt.
    [Theory]
    [InlineData("itm")]
    [InlineData("film")]
    public void TheLossTeachesTheHeadToTellTwinsApart(string head)
    {
        using var scope = torch.NewDisposeScope();
        using IMatchingJudge judge = head == "film" ? NewFilmJudge() : NewItmJudge();
        var source = head == "film" ? new ShapeWorldSource(seed: 2, categories: [Align.ShapeWorld.Category.Position]) : new ShapeWorldSource(seed: 2);
        var task = new ImageTextMatchingTask(judge, source, pairs: 4, maxNoise: 0);
        const string textWeight = "text_model.encoder.layers.0.mlp.fc1.weight"; // the same key in CLIPModel and CLIPTextModel
        float[] before = judge.Modules[0].StateDict()[textWeight].ToArray<float>();
        using var optimizer = new AdamW(task.TrainableParameters.ToArray(), lr: 3e-4);
        IReadOnlyDictionary<string, double> first = null!, last = null!;
        for (int step = 0; step < 80; step++)
        {
            using var stepScope = torch.NewDisposeScope();
            optimizer.ZeroGrad();
            // the same batch every step: the head must come to separate these twins
            IReadOnlyDictionary<string, double> metrics = task.Step(step, new Random(1), new Generator(1));
            optimizer.Step();
            if (step == 0) first = metrics;
            last = metrics;
        }
        Assert.InRange(first["loss"], 0.5, 0.9); // an untrained head: about log 2
        Assert.True(last["loss"] < 0.2, $"loss {first["loss"]:F3} → {last["loss"]:F3} after 80 steps on one batch");
        Assert.Equal(1.0, last["ranked"]);
        Assert.All(judge.Modules.SelectMany(m => m.Parameters()), p => Assert.True(p.RequiresGrad));
        // the towers learn with the head (the FiLM judge's are the text tower alone: it reads pixels itself)
        Assert.False(before.AsSpan().SequenceEqual(judge.Modules[0].StateDict()[textWeight].ToArray<float>()));
        Assert.Equal(head == "itm", judge.Modules[0].StateDict().Any(kv => kv.Key.StartsWith("vision_model.", StringComparison.Ordinal)));
    }

    [Fact]
    public void GeneratedPairsJoinTheLossAndAreLearnt()
    {
        using var scope = torch.NewDisposeScope();
        using var temp = new TempDirectory("itm-generated");
        string dir = temp.Path;
        string manifest = TestFiles.WriteRenderedManifest(dir, 4);
        var generated = new GeneratedPairSource([manifest], 64);
        Assert.Equal(4, generated.Count);
        (Tensor chosen, Tensor rejected, string[] prompts) = generated.Sample(3, new Random(5));
        Assert.Equal([3L, 3, 64, 64], chosen.Shape);
        Assert.Equal(chosen.Shape, rejected.Shape);
        // each drawn image is its manifest's, with its own prompt
        var pairs = Preferences.PairManifest.Read(manifest);
        Preferences.PreferencePair first = pairs.Single(p => p.Prompt == prompts[0] &&
            Align.ShapeWorld.RgbImage.FromPng(File.ReadAllBytes(Path.Combine(dir, p.Chosen))).ToTensor().Sub(chosen.Select(0, 0)).Abs().Max().ToDouble() < 1e-6);
        Assert.True((Align.ShapeWorld.RgbImage.FromPng(File.ReadAllBytes(Path.Combine(dir, first.Rejected))).ToTensor() - rejected.Select(0, 0)).Abs().Max().ToDouble() < 1e-6);

        // every image has hindsight captions: the chosen holds its prompt, the rejected the contradiction it was rendered from
        Assert.Equal(8, generated.CaptionedCount);
        (Tensor captioned, string[] holding, string[] failing) = generated.SampleCaptioned(5, new Random(6));
        for (int i = 0; i < 5; i++)
        {
            var image = Align.ShapeWorld.RgbImage.FromTensor(captioned.Select(0, i));
            Assert.True(Align.ShapeWorld.Verifier.Verify(holding[i], image).Passed, $"image {i} fails its holding caption \"{holding[i]}\"");
            Assert.False(Align.ShapeWorld.Verifier.Verify(failing[i], image).Passed, $"image {i} holds its failing caption \"{failing[i]}\"");
        }

        using FilmJudgeReward judge = NewFilmJudge();
        var task = new ImageTextMatchingTask(judge, new ShapeWorldSource(seed: 2), pairs: 2, maxNoise: 0, generated: generated, generatedPairs: 4, captionedImages: 4);
        var none = Assert.Throws<ArgumentOutOfRangeException>(() => new ImageTextMatchingTask(judge, new ShapeWorldSource(seed: 2), pairs: 2, generated: generated));
        Assert.Contains("at least one", none.Message);
        var uncaptioned = Assert.Throws<ArgumentOutOfRangeException>(() => new ImageTextMatchingTask(judge, new ShapeWorldSource(seed: 2), pairs: 2, captionedImages: 4));
        Assert.Contains("none were given", uncaptioned.Message);
        using var optimizer = new AdamW(task.TrainableParameters.ToArray(), lr: 3e-4);
        IReadOnlyDictionary<string, double> start = null!, last = null!;
        for (int step = 0; step < 80; step++)
        {
            using var stepScope = torch.NewDisposeScope();
            optimizer.ZeroGrad();
            IReadOnlyDictionary<string, double> metrics = task.Step(step, new Random(1), new Generator(1));
            optimizer.Step();
            if (step == 0) start = metrics;
            last = metrics;
        }
        Assert.True(last["generated_loss"] < 0.3 && last["generated_ranked"] == 1.0,
            $"generated pairs' loss {start["generated_loss"]:F3} → {last["generated_loss"]:F3}, ranked {last["generated_ranked"]}");
        Assert.True(last["hindsight_loss"] < 0.3 && last["hindsight_ranked"] == 1.0,
            $"hindsight captions' loss {start["hindsight_loss"]:F3} → {last["hindsight_loss"]:F3}, ranked {last["hindsight_ranked"]}");
    }

    [Fact]
    public void PromptsOutsideTheGrammarGiveNoHindsightCaptions()
    {
        using var scope = torch.NewDisposeScope();
        using var temp = new TempDirectory("itm-generated-cat");
        string dir = temp.Path;
        string manifest = TestFiles.WriteRenderedManifest(dir, 1);
        var pair = Preferences.PairManifest.Read(manifest).Single();
        Preferences.PairManifest.Write(manifest, [pair with { Prompt = "a photo of a cat" }]);
        var generated = new GeneratedPairSource([manifest], 64);
        Assert.Equal((1, 0), (generated.Count, generated.CaptionedCount));
        using FilmJudgeReward judge = NewFilmJudge();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ImageTextMatchingTask(judge, new ShapeWorldSource(seed: 2), pairs: 2, generated: generated, generatedPairs: 1, captionedImages: 2));
        Assert.Contains("must have hindsight captions", error.Message);
    }

    [Fact]
    public void GeneratedPairsOfAnotherSizeAreRefusedByPath()
    {
        using var temp = new TempDirectory("itm-generated-32");
        string dir = temp.Path;
        string manifest = TestFiles.WriteRenderedManifest(dir, 1, size: 32);
        var error = Assert.Throws<ArgumentException>(() => new GeneratedPairSource([manifest], 64));
        Assert.Contains("32×32", error.Message);
        Assert.Contains(Path.Combine(dir, "img"), error.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    public void NoGeneratedPairsPerStepIsRefusedNotSkipped(string count)
    {
        using var temp = new TempDirectory("train-itm-zero");
        string dir = temp.Path;
        string manifest = TestFiles.WriteRenderedManifest(Path.Combine(dir, "generated"), 1);
        (int exit, string output) = AlignTrain.Run("train-itm", "--from", ShapeWorldReward, "--out", dir, "--steps", "1",
            "--generated-pairs", manifest, "--generated-per-step", count, "--threads", "1");
        Assert.Equal(2, exit);
        Assert.Contains("--generated-per-step must be at least 1", output);
        Assert.False(File.Exists(Path.Combine(dir, "config.json")), "a judge was written");
    }

    [Fact]
    public void HindsightCaptionsWithoutGeneratedPairsAreRefused()
    {
        using var temp = new TempDirectory("train-itm-hindsight");
        string dir = temp.Path;
        (int exit, string output) = AlignTrain.Run("train-itm", "--from", ShapeWorldReward, "--out", dir, "--steps", "1", "--hindsight-per-step", "4", "--threads", "1");
        Assert.Equal(2, exit);
        Assert.Contains("--hindsight-per-step captions the images of --generated-pairs", output);
        Assert.False(File.Exists(Path.Combine(dir, "config.json")), "a judge was written");
    }

    [Theory]
    [InlineData("itm")]
    [InlineData("film")]
    public void TrainItmWritesAJudgeTheRewardLoaderReads(string head)
    {
        using var temp = new TempDirectory("train-itm");
        string dir = temp.Path;
        string manifest = TestFiles.WriteRenderedManifest(Path.Combine(dir, "generated"), 3);
        (int exit, string output) = AlignTrain.Run("train-itm", "--from", ShapeWorldReward, "--out", dir, "--steps", "3", "--pairs", "2",
            "--head", head, "--layers", "1", "--channels", "8", "--generated-pairs", manifest, "--hindsight-per-step", "2", "--threads", "1");
        Assert.True(exit == 0, output);
        Assert.Contains("generated pairs: 3, images with hindsight captions: 6", output);
        Assert.StartsWith("step,loss,accuracy,ranked,generated_loss,generated_ranked,hindsight_loss,hindsight_ranked,", File.ReadLines(Path.Combine(dir, "train", "metrics.csv")).First());
        Assert.Contains("caption ranking of the CLIP score: 69.5 %", output); // the shipped reward's figure in the README
        Assert.Contains("caption ranking of the judge:", output);
        using (JsonDocument ranking = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "train", "ranking.json"))))
            Assert.Equal(600, ranking.RootElement.GetProperty("judge").GetProperty("scenes").GetInt32());
        using var scope = torch.NewDisposeScope();
        using IRewardModel judge = RewardModels.Load(dir, "shapeworld-itm", Device.CPU);
        if (head == "itm") Assert.Equal(1, Assert.IsType<ImageTextMatchingReward>(judge).Head.Config.NumLayers);
        else Assert.Equal((1, 8), (Assert.IsType<FilmJudgeReward>(judge).Head.Config.NumBlocks, ((FilmJudgeReward)judge).Head.Config.Channels));
        // differentiable in the pixels, at any size (resized inside the graph)
        Tensor images = torch.Rand([2, 3, 48, 48], new Generator(1)).RequiresGrad_();
        Tensor scores = judge.Score(images, ["a red circle", "two blue squares"]);
        Assert.Equal([2L], scores.Shape);
        Assert.All(scores.ToArray<float>(), v => Assert.True(v <= 0 && float.IsFinite(v)));
        scores.Sum().Backward();
        Assert.True(images.Grad!.Abs().Max().ToDouble() > 0, "no gradient reaches the pixels");
    }
}
