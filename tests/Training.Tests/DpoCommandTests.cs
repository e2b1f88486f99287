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
    public void StartsFromAnotherAdaptersWeights()
    {
        TestFiles.WriteRenderedManifest(Path.Combine(_dir, "data"), 3);
        // A saved adapter on the same targets at rank 8 but alpha 16 (scale 2, where the run's is 1): B must be rescaled.
        string init = Path.Combine(_dir, "init");
        using (StableDiffusionModel model = StableDiffusionModel.Load(TestFiles.EmbeddedModel))
        using (LoraAdapter saved = TestAdapters.Random(model, "init", TestAdapters.UNetAndText, rank: 8, alpha: 16, seed: 3, std: 0.1))
            saved.Save(init);
        // lr 0: the trained adapter is where it started.
        string[] args =
        [
            "dpo", "--model", TestFiles.EmbeddedModel, "--pairs", Path.Combine(_dir, "data", "pairs.jsonl"), "--out", Path.Combine(_dir, "run"),
            "--name", "dpo-shapes", "--steps", "1", "--batch", "2", "--lr", "0", "--eval-prompts", "0", "--targets", "unet-attention", "text-attention",
            "--init-adapter", init,
        ];
        (int exit, string output) = TestFiles.AlignTrain(args);
        Assert.True(exit == 0, output);
        using (StableDiffusionModel model = StableDiffusionModel.Load(TestFiles.EmbeddedModel))
        using (LoraAdapter saved = model.Adapters.Load(init))
        using (LoraAdapter trained = model.Adapters.Load(Path.Combine(_dir, "run", "adapter")))
        {
            Assert.Equal(saved.Layers.Keys.Order(), trained.Layers.Keys.Order());
            foreach ((string key, LoraLayer layer) in saved.Layers)
            {
                using Tensor expected = layer.DeltaWeight() * layer.Scale, actual = trained.Layers[key].DeltaWeight() * trained.Layers[key].Scale;
                double difference = (expected - actual).Abs().Max().ToDouble();
                Assert.True(difference < 1e-6 && expected.Abs().Max().ToDouble() > 0, $"{key}: the run did not start from the saved adapter (max difference {difference:G3})");
            }
        }

        // Another rank: refused, naming the layer and the shapes.
        (exit, output) = TestFiles.AlignTrain([.. args.Select(a => a == Path.Combine(_dir, "run") ? Path.Combine(_dir, "run4") : a), "--rank", "4"]);
        Assert.Equal(2, exit);
        Assert.Contains("--init-adapter", output);
        Assert.Contains("same --rank", output);
    }

    [Fact]
    public void TrainsOnSeveralManifestsEachReadAgainstItsOwnDirectory()
    {
        // The same relative image names in two directories: two sets of images, not one.
        string a = TestFiles.WriteRenderedManifest(Path.Combine(_dir, "a"), 3), b = TestFiles.WriteRenderedManifest(Path.Combine(_dir, "b"), 3);
        string run = Path.Combine(_dir, "run");
        string[] args =
        [
            "dpo", "--model", TestFiles.EmbeddedModel, "--pairs", a, b, a, "--out", run, "--name", "dpo-mix", "--steps", "1", "--batch", "2",
            "--eval-prompts", "0", "--targets", "unet-attention",
        ];
        (int exit, string output) = TestFiles.AlignTrain(args);
        Assert.True(exit == 0, output);
        Assert.Contains("9 pairs (12 images, 3 prompts)", output); // a listed twice weighs twice; its images are encoded once
        using (SafetensorsFile file = Safetensors.Open(Path.Combine(run, "adapter", "adapter_model.safetensors")))
        {
            using JsonDocument data = JsonDocument.Parse(file.Metadata[AdapterMetadata.TrainingData]);
            Assert.Equal(9, data.RootElement.GetProperty("pairs").GetInt32());
            Assert.Equal([a, b, a], data.RootElement.GetProperty("manifests").EnumerateArray().Select(m => m.GetString()));
        }

        // A missing manifest among them is named, and nothing is written.
        string missing = Path.Combine(_dir, "c", "pairs.jsonl");
        (exit, output) = TestFiles.AlignTrain([.. args.Select(x => x == run ? Path.Combine(_dir, "run2") : x == b ? missing : x)]);
        Assert.Equal(2, exit);
        Assert.Contains(missing, output);
        Assert.False(Directory.Exists(Path.Combine(_dir, "run2")), "a refused run left its output directory");
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("NaN")]
    public void RefusesANegativeChosenWeight(string weight)
    {
        TestFiles.WriteRenderedManifest(Path.Combine(_dir, "data"), 3);
        (int exit, string output) = TestFiles.AlignTrain([.. Args(1), "--chosen-weight", weight]);
        Assert.Equal(2, exit);
        Assert.Contains("--chosen-weight", output);
        Assert.False(Directory.Exists(Path.Combine(_dir, "run")), "a refused run left its output directory");
    }

    [Theory]
    [InlineData("400", "FIRST:END")]
    [InlineData("a:1000", "FIRST:END")]
    [InlineData("900:100", "0 ≤ FIRST < END ≤ 1000")]
    [InlineData("0:1001", "0 ≤ FIRST < END ≤ 1000")]
    public void RefusesATimestepWindowOutsideTheSchedule(string window, string named)
    {
        TestFiles.WriteRenderedManifest(Path.Combine(_dir, "data"), 3);
        (int exit, string output) = TestFiles.AlignTrain([.. Args(1), "--timesteps", window]);
        Assert.Equal(2, exit);
        Assert.Contains("--timesteps", output);
        Assert.Contains(named, output);
        Assert.False(Directory.Exists(Path.Combine(_dir, "run")), "a refused run left its output directory");
    }

    [Fact]
    public void TrainsOnTheTimestepWindowAsked()
    {
        // The embedded model predicts the noise far better where there is much of it (t near 999) than where there is almost
        // none (t near 0): the reference's error on the first step tells which window the pairs were noised in.
        TestFiles.WriteRenderedManifest(Path.Combine(_dir, "data"), 3);
        double ReferenceError(string window, string run)
        {
            string[] args =
            [
                "dpo", "--model", TestFiles.EmbeddedModel, "--pairs", Path.Combine(_dir, "data", "pairs.jsonl"), "--out", Path.Combine(_dir, run),
                "--name", "dpo-window", "--steps", "1", "--batch", "4", "--lr", "0", "--eval-prompts", "0", "--targets", "unet-attention", "--timesteps", window,
            ];
            (int exit, string output) = TestFiles.AlignTrain(args);
            Assert.True(exit == 0, output);
            string[] csv = File.ReadAllLines(Path.Combine(_dir, run, "train", "metrics.csv"));
            int column = Array.IndexOf(csv[0].Split(','), "ref_mse");
            using (SafetensorsFile file = Safetensors.Open(Path.Combine(_dir, run, "adapter", "adapter_model.safetensors")))
            using (JsonDocument hyper = JsonDocument.Parse(file.Metadata[AdapterMetadata.HyperParameters]))
                Assert.Equal(window, hyper.RootElement.GetProperty("timesteps").GetString());
            return double.Parse(csv[1].Split(',')[column], System.Globalization.CultureInfo.InvariantCulture);
        }
        double low = ReferenceError("0:20", "low"), high = ReferenceError("980:1000", "high");
        Assert.True(low > 5 * high, $"reference error {low:G3} at t < 20 against {high:G3} at t ≥ 980: the window did not reach the loss");
    }

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
            Assert.EndsWith("pairs.jsonl", data.RootElement.GetProperty("manifests").EnumerateArray().Single().GetString());
            using JsonDocument hyper = JsonDocument.Parse(file.Metadata[AdapterMetadata.HyperParameters]);
            Assert.Equal(5000, hyper.RootElement.GetProperty("beta").GetDouble());
            Assert.Equal(0, hyper.RootElement.GetProperty("chosen_weight").GetDouble());
            Assert.Equal("epsilon", hyper.RootElement.GetProperty("prediction_type").GetString());
            Assert.Equal("0:1000", hyper.RootElement.GetProperty("timesteps").GetString()); // the whole schedule unless --timesteps
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
