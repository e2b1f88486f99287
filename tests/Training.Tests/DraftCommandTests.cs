using System.Text.Json;
using Align.Adapters;
using Align.Pipelines;
using Training.Draft;
using Training.Rewards;

namespace Training.Tests;

/// <summary><c>align-train draft</c> end to end on the embedded ShapeWorld model, with tiny settings.</summary>
public class DraftCommandTests
{
    [Fact]
    public void TrainsWritesTheAdapterAndResumesWithMoreSteps()
    {
        using var temp = new TempDirectory("draft");
        string dir = temp.Path;
        string[] common = ["draft", "--model", Shared.ShapeWorldModel, "--out", dir, "--name", "draft-test", "--batch", "1", "--sample-steps", "2",
            "--rank", "2", "--eval-prompts", "1", "--eval-seeds", "1", "--eval-steps", "1", "--checkpoint-every", "1", "--threads", "2",
            "--targets", "unet-attention", "text-attention"];
        (int exit, string output) = AlignTrain.Run([.. common, "--steps", "2"]);
        Assert.True(exit == 0, output);
        Assert.Contains("adapter written to", output);
        Assert.True(File.Exists(Path.Combine(dir, "adapter", "adapter_model.safetensors")), output);
        using (JsonDocument config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "adapter", "adapter_config.json"))))
        {
            JsonElement metadata = config.RootElement.GetProperty("adapter_metadata");
            Assert.Equal("draft", metadata.GetProperty("method").GetString());
            Assert.Contains("train-split", metadata.GetProperty("training_data").GetString());
            using JsonDocument hyper = JsonDocument.Parse(metadata.GetProperty("hyperparameters").GetString()!);
            Assert.Equal(1, hyper.RootElement.GetProperty("k").GetInt32());
            Assert.Equal(2, hyper.RootElement.GetProperty("sample_steps").GetInt32());
            Assert.Equal(1.0, hyper.RootElement.GetProperty("rewards").GetProperty("shapeworld-clip").GetDouble());
            using JsonDocument metrics = JsonDocument.Parse(metadata.GetProperty("metrics").GetString()!);
            Assert.True(metrics.RootElement.TryGetProperty("accuracy_adapter", out _), metadata.GetProperty("metrics").GetString());
        }
        using (StableDiffusionModel model = StableDiffusionModel.Load(Shared.ShapeWorldModel))
        using (LoraAdapter adapter = model.Adapters.Load(Path.Combine(dir, "adapter")))
            // the text encoder's pairs learn too: DRaFT encodes the prompts with the adapter applied, with grad
            Assert.Contains(adapter.Layers, l => AdapterKeys.IsTextEncoder(l.Key) && l.Value.B.Abs().Max().ToDouble() > 0);
        string[] rows = File.ReadAllLines(Path.Combine(dir, "train", "metrics.csv"));
        Assert.StartsWith("step,loss,reward,", rows[0]);
        Assert.Equal(3, rows.Length);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(dir, "train", "loss.png")).Take(4));

        (exit, output) = AlignTrain.Run([.. common, "--steps", "3"]);
        Assert.True(exit == 0, output);
        Assert.Contains("resuming at step 2", output);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(dir, "train", "metrics.csv")).Length);
        Assert.True(Directory.Exists(Path.Combine(dir, "eval-adapter-step3")), "the resumed run did not evaluate its own adapter");
        using (JsonDocument config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "adapter", "adapter_config.json"))))
        using (JsonDocument hyper = JsonDocument.Parse(config.RootElement.GetProperty("adapter_metadata").GetProperty("hyperparameters").GetString()!))
            Assert.Equal(3, hyper.RootElement.GetProperty("steps").GetInt32());
    }

    [Theory]
    [InlineData("--lv", "2", "--k", "2")]
    [InlineData("--k", "5")]
    [InlineData("--reward", "/no/such/reward")]
    public void RefusesSettingsThatCannotWork(params string[] extra)
    {
        using var temp = new TempDirectory("draft-bad");
        string dir = temp.Path;
        (int exit, string output) = AlignTrain.Run(["draft", "--model", Shared.ShapeWorldModel, "--out", dir, "--name", "bad", "--sample-steps", "4",
            "--steps", "1", "--eval-prompts", "0", .. extra]);
        Assert.Equal(2, exit);
        Assert.Contains(extra[0] == "--reward" ? "/no/such/reward" : extra[0], output);
        Assert.DoesNotContain("   at ", output); // one line naming the setting, no stack trace
        Assert.False(Directory.Exists(Path.Combine(dir, "train")), output);
    }

    [Theory]
    [InlineData("pick=/models/pickscore:0.05", "pick", "/models/pickscore", 0.05)]
    [InlineData("hps=/models/hps", "hps", "/models/hps", 1.0)]
    [InlineData("/models/shapeworld/reward:2", "reward", "/models/shapeworld/reward", 2.0)]
    [InlineData("/models/tiny-clip-reward", "tiny-clip-reward", "/models/tiny-clip-reward", 1.0)]
    public void ParsesRewardSpecs(string text, string name, string directory, double weight) =>
        Assert.Equal(new RewardSpec(name, directory, weight), RewardSpec.Parse(text));
}
