using System.Text.Json;
using Align.Pipelines;

namespace Training.Tests;

/// <summary>The pre-training command (a few steps per stage, as CI affords) writes a model the pipeline loads, resumes instead of redoing finished stages, and eval reports on it.</summary>
public class PretrainAndEvalTests
{
    private static (int Exit, string Output) Run(params string[] args) => AlignTrain.Run(args);

    [Fact]
    public void EvalWithoutARewardWritesItsReportWithNoMeanReward()
    {
        using var temp = new TempDirectory("eval-no-reward");
        string dir = temp.Path;
        (int exit, string output) = Run("eval", "--model", Shared.ShapeWorldModel, "--prompts", "1", "--seeds", "1", "--steps", "1", "--out", dir, "--threads", "1");
        Assert.True(exit == 0, output);
        Assert.Matches(@"overall\s+6\s+\d+\.\d %\s+—", output);
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "eval.json")));
        Assert.Equal(JsonValueKind.Null, report.RootElement.GetProperty("result").GetProperty("overall").GetProperty("mean_reward").ValueKind);
    }

    [Fact]
    public void EvalSamplesWithTheSchedulerAskedForAndRefusesOthers()
    {
        using var temp = new TempDirectory("eval-scheduler");
        string dir = temp.Path;
        (int exit, string output) = Run("eval", "--model", Shared.ShapeWorldModel, "--prompts", "1", "--seeds", "1", "--steps", "3",
            "--scheduler", "dpmpp_2m_karras", "--out", dir, "--threads", "1");
        Assert.True(exit == 0, output);
        Assert.Contains("3 steps of dpmpp_2m_karras", output);
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "eval.json")));
        Assert.Equal("dpmpp_2m_karras", report.RootElement.GetProperty("plan").GetProperty("scheduler").GetString());

        (exit, output) = Run("eval", "--model", Shared.ShapeWorldModel, "--prompts", "1", "--seeds", "1", "--steps", "3", "--scheduler", "heun");
        Assert.NotEqual(0, exit);
        Assert.Contains("heun", output);
        Assert.Contains("dpmpp_2m", output); // the accepted values are listed
    }

    [Fact]
    public void EvalCoversOnlyTheCategoriesAskedFor()
    {
        string[] common = ["eval", "--model", Shared.ShapeWorldModel, "--prompts", "1", "--seeds", "2", "--steps", "1", "--threads", "1"];
        (int exit, string output) = Run([.. common, "--categories", "counting", "colour-attribution"]);
        Assert.True(exit == 0, output);
        Assert.Matches(@"overall\s+4\s", output);
        Assert.Contains("counting", output);
        Assert.Contains("colour attribution", output);
        Assert.DoesNotContain("single object", output);

        (exit, output) = Run([.. common, "--categories", "shading"]);
        Assert.True(exit != 0 && output.Contains("unknown category 'shading'"), output);
    }

    [Fact]
    public void EvalScoresWithAWeightedEnsembleOfRewards()
    {
        string reward = Path.Combine(Path.GetDirectoryName(Shared.ShapeWorldModel)!, "reward");
        string[] common = ["eval", "--model", Shared.ShapeWorldModel, "--prompts", "1", "--seeds", "1", "--steps", "1", "--threads", "1"];
        (int exit, string one) = Run([.. common, "--reward", reward]);
        Assert.True(exit == 0, one);
        (exit, string two) = Run([.. common, "--reward", $"a={reward}:1", $"b={reward}:0.5"]);
        Assert.True(exit == 0, two);
        // the same images: the ensemble's mean reward is 1.5 times the single reward's
        Assert.True(Math.Abs(1.5 * MeanReward(one) - MeanReward(two)) < 0.003, $"{one}\n{two}");

        (exit, string shifted) = Run([.. common, "--reward", reward, "--method", "best_of_n:2:reward", "--reward-shifts", "2:1"]);
        Assert.True(exit == 0, shifted);
        (exit, string output) = Run([.. common, "--reward-shifts", "2:1"]);
        Assert.True(exit != 0 && output.Contains("--reward-shifts needs a --reward"), output);
        (exit, output) = Run([.. common, "--reward", reward, "--reward-shifts", "two"]);
        Assert.True(exit != 0 && output.Contains("expected COPIES:MAX"), output);
    }

    private static double MeanReward(string evalOutput) =>
        double.Parse(System.Text.RegularExpressions.Regex.Match(evalOutput, @"overall\s+\d+\s+\S+ %\s+(-?\d+\.\d+)").Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void PretrainsResumesAndEvaluates()
    {
        using var temp = new TempDirectory("pretrain");
        string dir = temp.Path;
        string[] args = ["pretrain-shapeworld", "--out", dir, "--clip-steps", "2", "--vae-steps", "2", "--unet-steps", "2", "--threads", "2"];
        (int exit, string output) = Run(args);
        Assert.True(exit == 0, output);
        foreach (string stage in new[] { "clip", "vae", "unet" })
        {
            Assert.True(File.Exists(Path.Combine(dir, "train", stage, "done.json")), $"{stage} did not finish: {output}");
            Assert.True(File.Exists(Path.Combine(dir, "train", stage, "loss.png")));
        }
        using (StableDiffusionModel model = StableDiffusionModel.Load(Path.Combine(dir, "model")))
            Assert.Equal(64, model.DefaultSize);
        Assert.True(File.Exists(Path.Combine(dir, "reward", "vocab.json")));

        (exit, output) = Run(args);
        Assert.True(exit == 0, output);
        Assert.Contains("unet: done earlier", output);
        using (JsonDocument plan = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "plan.json"))))
            Assert.Equal(2, plan.RootElement.GetProperty("runs").GetArrayLength());

        string evalDir = Path.Combine(dir, "eval");
        (exit, output) = Run("eval", "--model", Path.Combine(dir, "model"), "--reward", Path.Combine(dir, "reward"), "--prompts", "1", "--seeds", "1",
            "--steps", "1", "--out", evalDir);
        Assert.True(exit == 0, output);
        Assert.Matches(@"overall\s+6\s", output);
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(evalDir, "eval.json")));
        Assert.Equal(6, report.RootElement.GetProperty("result").GetProperty("categories").GetArrayLength());
        Assert.True(File.Exists(Path.Combine(evalDir, "counting.png")));

        string shipped = Path.Combine(dir, "shipped");
        (exit, output) = Run("ship-shapeworld", "--from", dir, "--to", shipped, "--eval", Path.Combine(evalDir, "eval.json"));
        Assert.True(exit == 0, output);
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(shipped, "manifest.json")));
        var files = manifest.RootElement.GetProperty("files").EnumerateObject().ToList();
        Assert.Contains(files, f => f.Name == Path.Combine("model", "unet", "diffusion_pytorch_model.safetensors"));
        foreach (JsonProperty f in files)
        {
            using FileStream stream = File.OpenRead(Path.Combine(shipped, f.Name));
            Assert.Equal(f.Value.GetString(), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream)));
        }
        Assert.Equal(6, manifest.RootElement.GetProperty("evaluation").GetProperty("result").GetProperty("categories").GetArrayLength());
        using (Torch.SafetensorsFile unet = Torch.Safetensors.Open(Path.Combine(shipped, "model", "unet", "diffusion_pytorch_model.safetensors")))
            Assert.All(unet.Entries, e => Assert.Equal(Torch.DType.Float16, e.DType));
        using (StableDiffusionModel model = StableDiffusionModel.Load(Path.Combine(shipped, "model")))
            Assert.Equal(Torch.DType.Float32, model.UNet.Parameters().First().DType);
        using (Align.Rewards.ClipScoreReward reward = Align.Rewards.ClipScoreReward.FromPretrained(Path.Combine(shipped, "reward")))
            Assert.Equal(64, reward.Model.VisionConfig.ImageSize);
        Assert.True(File.Exists(Path.Combine(shipped, "report", "unet-loss.png")));
    }
}
