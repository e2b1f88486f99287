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

    [Fact]
    public void TheLossTeachesTheHeadToTellTwinsApart()
    {
        using var scope = torch.NewDisposeScope();
        ClipModel towers = ClipModel.FromPretrained(ShapeWorldReward);
        torch.ManualSeed(3);
        using var judge = new ImageTextMatchingReward(towers, ImageTextMatchingReward.NewHead(towers, layers: 1), ClipTokenizer.FromDirectory(ShapeWorldReward));
        var task = new ImageTextMatchingTask(judge, new ShapeWorldSource(seed: 2), pairs: 4, maxNoise: 0);
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
        Assert.All(judge.Head.Parameters(), p => Assert.True(p.RequiresGrad));
    }

    [Fact]
    public void TrainItmWritesAJudgeTheRewardLoaderReads()
    {
        string dir = Directory.CreateTempSubdirectory("train-itm").FullName;
        (int exit, string output) = AlignTrain.Run("train-itm", "--from", ShapeWorldReward, "--out", dir, "--steps", "3", "--pairs", "2",
            "--layers", "1", "--threads", "1");
        Assert.True(exit == 0, output);
        Assert.Contains("caption ranking of the CLIP score: 69.5 %", output); // the shipped reward's figure in the README
        Assert.Contains("caption ranking of the judge:", output);
        using (JsonDocument ranking = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "train", "ranking.json"))))
            Assert.Equal(600, ranking.RootElement.GetProperty("judge").GetProperty("scenes").GetInt32());
        using var scope = torch.NewDisposeScope();
        using IRewardModel judge = RewardModels.Load(dir, "shapeworld-itm", Device.CPU);
        Assert.Equal(1, Assert.IsType<ImageTextMatchingReward>(judge).Head.Config.NumLayers);
        Assert.Equal([2L], judge.Score(torch.Rand([2, 3, 64, 64], new Generator(1)), ["a red circle", "two blue squares"]).Shape);
    }
}
