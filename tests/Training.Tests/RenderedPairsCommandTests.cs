using Align.Imaging;
using Align.ShapeWorld;
using Training.Preferences;

namespace Training.Tests;

/// <summary><c>align-train rendered-pairs</c>: every rejected image of a manifest against scenes rendered from its prompt.</summary>
public sealed class RenderedPairsCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rendered-pairs").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    // A manifest of two pairs whose images are rendered scenes of other specs (stand-ins for a model's samples).
    private string Manifest(params string[] prompts)
    {
        string source = Path.Combine(_dir, "source");
        Directory.CreateDirectory(source);
        var pairs = new List<PreferencePair>();
        for (int i = 0; i < prompts.Length; i++)
        {
            var wrong = new Spec(Category.SingleObject, new ObjectTerm(Shape.Triangle, Colour.Blue));
            File.WriteAllBytes(Path.Combine(source, $"{i}.png"), SceneRenderer.Render(SceneSampler.Sample(wrong, 100 + i)).ToPng());
            pairs.Add(new PreferencePair { Prompt = prompts[i], Chosen = $"{i}.png", Rejected = $"{i}.png", Category = "single object", RejectedSeed = 100 + i });
        }
        string manifest = Path.Combine(source, PairBuilder.ManifestName);
        PairManifest.Write(manifest, pairs);
        return manifest;
    }

    [Fact]
    public void EachRejectedImageFacesScenesRenderedFromItsPrompt()
    {
        string source = Manifest("a red circle", "a square that is green");
        string output = Path.Combine(_dir, "out");
        (int exit, string log) = AlignTrain.Run("rendered-pairs", "--from", source, "--out", output, "--per-pair", "2", "--seed", "40");
        Assert.True(exit == 0, log);
        Assert.Contains("4 pairs: a rendered scene against each of 2 rejected images", log);
        IReadOnlyList<PreferencePair> pairs = PairManifest.Read(Path.Combine(output, PairBuilder.ManifestName));
        Assert.Equal(["a red circle", "a red circle", "a square that is green", "a square that is green"], pairs.Select(p => p.Prompt));
        Assert.Equal([40L, 41, 42, 43], pairs.Select(p => p.ChosenSeed!.Value));
        foreach (PreferencePair p in pairs)
        {
            Assert.Equal(RenderedChosenPairs.Judge, p.Judge);
            Assert.Equal(Path.Combine(_dir, "source", $"{p.RejectedSeed - 100}.png"), p.Rejected); // the input's rejected image, by absolute path
            (_, int w, int h) = PngDecoder.DecodeRgb(File.ReadAllBytes(PairManifest.Resolve(output, p.Chosen)));
            Assert.Equal((64, 64), (w, h));
            Assert.True(TestFiles.Verify(output, p, p.Prompt, p.Chosen).Passed, $"{p.Chosen} fails \"{p.Prompt}\"");
        }
        Assert.NotEqual(File.ReadAllBytes(PairManifest.Resolve(output, pairs[0].Chosen)), File.ReadAllBytes(PairManifest.Resolve(output, pairs[1].Chosen)));
    }

    [Fact]
    public void APromptThatIsNotAShapeWorldCaptionIsRefusedNamingThePairAndNothingIsWritten()
    {
        string source = Manifest("a red circle", "an astronaut riding a horse");
        string output = Path.Combine(_dir, "out");
        (int exit, string log) = AlignTrain.Run("rendered-pairs", "--from", source, "--out", output);
        Assert.Equal(2, exit);
        Assert.Contains("pair 2: the prompt \"an astronaut riding a horse\" is not a ShapeWorld caption", log);
        Assert.False(File.Exists(Path.Combine(output, PairBuilder.ManifestName)));
    }

    [Fact]
    public void ZeroScenesPerPairIsRefused()
    {
        (int exit, string log) = AlignTrain.Run("rendered-pairs", "--from", Manifest("a red circle"), "--out", Path.Combine(_dir, "out"), "--per-pair", "0");
        Assert.Equal(2, exit);
        Assert.Contains("--per-pair must be at least 1", log);
    }
}
