using System.Diagnostics;
using System.Text.Json;
using Align.Pipelines;

namespace Training.Tests;

/// <summary>The pre-training command (a few steps per stage, as CI affords) writes a model the pipeline loads, resumes instead of redoing finished stages, and eval reports on it.</summary>
public class PretrainAndEvalTests
{
    private static (int Exit, string Output) Run(params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "align-train.dll");
        var psi = new ProcessStartInfo("dotnet", [dll, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(), stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(300_000), $"align-train {string.Join(' ', args)} did not finish in 5 minutes");
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    public void PretrainsResumesAndEvaluates()
    {
        string dir = Directory.CreateTempSubdirectory("pretrain").FullName;
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

        string evalDir = Path.Combine(dir, "eval");
        (exit, output) = Run("eval", "--model", Path.Combine(dir, "model"), "--reward", Path.Combine(dir, "reward"), "--prompts", "1", "--seeds", "1",
            "--steps", "1", "--out", evalDir);
        Assert.True(exit == 0, output);
        Assert.Matches(@"overall\s+6\s", output);
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(evalDir, "eval.json")));
        Assert.Equal(6, report.RootElement.GetProperty("result").GetProperty("categories").GetArrayLength());
        Assert.True(File.Exists(Path.Combine(evalDir, "counting.png")));
    }
}
