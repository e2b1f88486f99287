using System.Text.Json;
using Align.Adapters;
using Align.Pipelines;
using Torch;

namespace Training.Tests;

/// <summary><c>align-train dpo</c> end to end on a tiny manifest: the adapter with its metadata, the curves, the evaluation, and resume.</summary>
public sealed class DpoCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dpo-cmd").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string[] Args(int steps) =>
    [
        "dpo", "--model", TestFiles.EmbeddedModel, "--pairs", Path.Combine(_dir, "data", "pairs.jsonl"), "--out", Path.Combine(_dir, "run"),
        "--name", "dpo-shapes", "--steps", steps.ToString(), "--batch", "2", "--checkpoint-every", "1", "--lr", "1e-3",
        "--eval-prompts", "1", "--eval-seeds", "1", "--eval-steps", "2", "--targets", "unet-attention", "text-attention",
    ];

    [Fact]
    public void TrainsWritesTheAdapterAndResumes()
    {
        TestFiles.WriteRenderedManifest(Path.Combine(_dir, "data"), 3);
        (int exit, string output) = TestFiles.AlignTrain(Args(2));
        Assert.True(exit == 0, output);
        Assert.Contains("3 pairs", output);
        string run = Path.Combine(_dir, "run"), adapterDir = Path.Combine(run, "adapter");
        Assert.True(File.Exists(Path.Combine(adapterDir, "adapter_config.json")), output);
        Assert.True(File.Exists(Path.Combine(run, "train", "loss.png")));
        string[] csv = File.ReadAllLines(Path.Combine(run, "train", "metrics.csv"));
        Assert.Equal(3, csv.Length);
        foreach (string column in new[] { "loss", "implicit_acc", "reward_margin", "model_diff", "ref_diff" }) Assert.Contains(column, csv[0].Split(','));
        Assert.StartsWith("1,0.693147,", csv[1]); // B = 0 at step 0: the policy is the reference, loss = log 2

        using (SafetensorsFile file = Safetensors.Open(Path.Combine(adapterDir, "adapter_model.safetensors")))
        {
            Assert.Equal("dpo", file.Metadata[AdapterMetadata.Method]);
            using JsonDocument data = JsonDocument.Parse(file.Metadata[AdapterMetadata.TrainingData]);
            Assert.Equal(3, data.RootElement.GetProperty("pairs").GetInt32());
            Assert.EndsWith("pairs.jsonl", data.RootElement.GetProperty("manifest").GetString());
            using JsonDocument hyper = JsonDocument.Parse(file.Metadata[AdapterMetadata.HyperParameters]);
            Assert.Equal(5000, hyper.RootElement.GetProperty("beta").GetDouble());
            Assert.Equal("epsilon", hyper.RootElement.GetProperty("prediction_type").GetString());
            using JsonDocument metrics = JsonDocument.Parse(file.Metadata[AdapterMetadata.Metrics]);
            Assert.True(metrics.RootElement.TryGetProperty("accuracy_adapter", out _), file.Metadata[AdapterMetadata.Metrics]);
        }
        using (StableDiffusionModel model = StableDiffusionModel.Load(TestFiles.EmbeddedModel))
        using (LoraAdapter adapter = model.Adapters.Load(adapterDir))
        {
            Assert.Contains(adapter.Layers.Values, l => l.B.Abs().Max().ToDouble() > 0); // trained: B left zero
            // the text encoder's pairs learn too: the policy encodes the prompts with the adapter applied
            Assert.Contains(adapter.Layers, l => AdapterKeys.IsTextEncoder(l.Key) && l.Value.B.Abs().Max().ToDouble() > 0);
        }

        (exit, output) = TestFiles.AlignTrain(Args(4));
        Assert.True(exit == 0, output);
        Assert.Contains("resuming at step 2", output);
        string[] resumed = File.ReadAllLines(Path.Combine(run, "train", "metrics.csv"));
        Assert.Equal(5, resumed.Length);
        Assert.Equal(csv[1..], resumed[1..3]); // the first run's steps are kept, not redone
    }
}
