using Align.Models;
using Align.Rewards;
using Torch;

namespace Align.Tests.Rewards;

/// <summary>The aesthetic predictor: the tiny CLIP's normalised image embedding through a random MLP saved in the improved aesthetic predictor's layout.</summary>
public class AestheticRewardTests
{
    private static readonly int[] Widths = [16, 24, 12, 8, 4, 1];
    private static readonly int[] LinearIndices = [0, 2, 4, 6, 7];

    /// <summary>Writes into <paramref name="dir"/> a CLIPModel directory (the tiny CLIP reward model) plus a random aesthetic_mlp.safetensors; returns the MLP's weights.</summary>
    internal static (string Dir, double[][,] Weights, double[][] Biases) WriteCheckpoint(string dir, bool dropLastLayer = false)
    {
        foreach (string f in new[] { "config.json", "model.safetensors" })
            File.Copy(Path.Combine(Reference.Model("tiny-clip-reward"), f), Path.Combine(dir, f));
        var random = new Random(7);
        var weights = new double[LinearIndices.Length][,];
        var biases = new double[LinearIndices.Length][];
        using var scope = torch.NewDisposeScope();
        var state = new Dictionary<string, Tensor>();
        for (int l = 0; l < LinearIndices.Length; l++)
        {
            int inputs = Widths[l], outputs = Widths[l + 1];
            weights[l] = new double[outputs, inputs];
            biases[l] = new double[outputs];
            var w = new float[outputs * inputs];
            var b = new float[outputs];
            for (int o = 0; o < outputs; o++)
            {
                for (int i = 0; i < inputs; i++) weights[l][o, i] = w[o * inputs + i] = (float)((random.NextDouble() * 2 - 1) / Math.Sqrt(inputs));
                biases[l][o] = b[o] = (float)(random.NextDouble() - 0.5);
            }
            if (dropLastLayer && l == LinearIndices.Length - 1) continue;
            state[$"layers.{LinearIndices[l]}.weight"] = Tensor.FromArray(w, outputs, inputs);
            state[$"layers.{LinearIndices[l]}.bias"] = Tensor.FromArray(b, outputs);
        }
        Safetensors.Save(Path.Combine(dir, AestheticReward.MlpFileName), state);
        return (dir, weights, biases);
    }

    [Fact]
    public void ScoresTheNormalisedClipEmbeddingThroughTheMlp()
    {
        using var scope = torch.NewDisposeScope();
        using var temp = new TempDirectory("aesthetic");
        (string dir, double[][,] weights, double[][] biases) = WriteCheckpoint(temp.Path);
        using AestheticReward reward = AestheticReward.FromPretrained(dir);
        using SafetensorsFile refs = Reference.Open("tiny-clip-reward.safetensors");

        // Expected: transformers' image features (float64 run) normalised and pushed through the MLP by hand.
        double[] x = refs.Load("image_features.f64").ToArray<double>();
        double norm = Math.Sqrt(x.Sum(v => v * v));
        x = x.Select(v => v / norm).ToArray();
        for (int l = 0; l < weights.Length; l++)
        {
            var y = new double[biases[l].Length];
            for (int o = 0; o < y.Length; o++)
            {
                y[o] = biases[l][o];
                for (int i = 0; i < x.Length; i++) y[o] += weights[l][o, i] * x[i];
            }
            x = y;
        }

        Tensor score = reward.ScorePixelValues(refs.Load("img40x48.pixel_values"));
        Assert.Equal([1L], score.Shape);
        Assert.Equal(DType.Float32, score.DType);
        Reference.AssertClose(Tensor.FromArray(x, 1), score, "aesthetic score");
    }

    [Fact]
    public void IgnoresPromptsAndPassesGradientsToPixels()
    {
        using var scope = torch.NewDisposeScope();
        using var temp = new TempDirectory("aesthetic");
        (string dir, _, _) = WriteCheckpoint(temp.Path);
        using AestheticReward reward = AestheticReward.FromPretrained(dir, "laion-aesthetic");
        Assert.Equal("laion-aesthetic", reward.Name);
        Assert.True(reward.IsDifferentiable);
        Tensor images = torch.Rand([2, 3, 40, 48], new Generator(1)).RequiresGrad_();
        Tensor scores = reward.Score(images, ["a red circle", "a blue square"]);
        using (Autograd.NoGrad())
        {
            Tensor other = reward.Score(images, ["", "something else entirely"]);
            Assert.Equal(scores.ToArray<float>(), other.ToArray<float>());
        }
        scores.Sum().Backward();
        Tensor grad = images.Grad!;
        Assert.True(grad.Abs().Sum().ToDouble() > 0, "no gradient reached the pixels");
        Assert.True(grad.IsFinite().All().ToBoolean(), "non-finite gradient");
        Assert.Throws<ArgumentException>(() => reward.Score(images, ["one prompt"]));
    }

    [Fact]
    public void MissingMlpLayerFailsClearly()
    {
        using var temp = new TempDirectory("aesthetic");
        (string dir, _, _) = WriteCheckpoint(temp.Path, dropLastLayer: true);
        var e = Assert.Throws<ModelLoadException>(() => AestheticReward.FromPretrained(dir));
        Assert.Contains("layers.7.weight", e.Message);
    }
}
