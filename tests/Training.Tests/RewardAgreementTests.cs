using Align.Imaging;
using Align.Rewards;
using Torch;
using Training.Evaluation;
using Training.Pretraining;
using Training.Preferences;

namespace Training.Tests;

/// <summary>RewardAgreement reads a preference manifest's images and counts the pairs a reward orders as the manifest does.</summary>
public sealed class RewardAgreementTests : IDisposable
{
    private readonly TempDirectory _dir = new("agreement");

    public void Dispose() => _dir.Dispose();

    // Twins: scene i passes caption i and its twin fails it. Pairs (caption i, scene ≻ twin), and as many reversed.
    private string WriteManifest(int pairs, bool reversedToo)
    {
        string dir = _dir.Path;
        using var scope = torch.NewDisposeScope();
        (Tensor images, string[] captions) = new ShapeWorldSource(seed: 4).SampleTwins(pairs, new Random(9));
        var lines = new List<PreferencePair>();
        for (int i = 0; i < 2 * pairs; i++) File.WriteAllBytes(Path.Combine(dir, $"{i}.png"), ImageConversion.ToPng(images[i]));
        for (int i = 0; i < pairs; i++)
        {
            lines.Add(new PreferencePair { Prompt = captions[i], Chosen = $"{i}.png", Rejected = $"{pairs + i}.png", Category = "right" });
            if (reversedToo) lines.Add(new PreferencePair { Prompt = captions[i], Chosen = $"{pairs + i}.png", Rejected = $"{i}.png", Category = "wrong" });
        }
        PairManifest.Write(Path.Combine(dir, "pairs.jsonl"), lines);
        return Path.Combine(dir, "pairs.jsonl");
    }

    [Fact]
    public void TheVerifierAgreesWithItsOwnVerdictsAndNotWithTheirReverse()
    {
        string manifest = WriteManifest(pairs: 6, reversedToo: true);
        using var verifier = new ShapeWorldVerifierReward();
        AgreementResult r = RewardAgreement.Run(verifier, manifest, Device.CPU, batch: 4);
        Assert.Equal(12, r.Pairs);
        Assert.Equal(1.0, r.ByCategory["right"]);
        Assert.Equal(0.0, r.ByCategory["wrong"]);
        Assert.Equal(0.5, r.Overall);
        Assert.Equal(0, r.Ties);
        // hindsight captions are of each image alone, whichever way its pair points: the verifier holds every one
        AgreementResult captions = RewardAgreement.Captions(verifier, manifest, Device.CPU, batch: 4);
        Assert.True(captions.Pairs >= 12, $"{captions.Pairs} caption comparisons on 12 images");
        Assert.Equal(1.0, captions.ByCategory["right"]);
        Assert.Equal(1.0, captions.Overall);
    }

    [Fact]
    public void TheAgreementCommandPrintsEachCategoryAndTheOverallFigure()
    {
        string manifest = WriteManifest(pairs: 3, reversedToo: false);
        (int exit, string output) = AlignTrain.Run("agreement", "--reward", Path.Combine(Shared.RepositoryRoot, "models", "shapeworld", "reward"),
            "--pairs", manifest, "--threads", "1");
        Assert.True(exit == 0, output);
        Assert.Matches(@"right\s+\d+\.\d %", output);
        Assert.Contains("of 3 pairs", output);
        Assert.Contains("hindsight captions: on each image", output);
    }
}
