using Align.Imaging;
using Align.ShapeWorld;
using Training.Preferences;

namespace Training.Tests;

/// <summary>Where the tests find the embedded model and the reference models, how they run <c>align-train</c>, and a small preference manifest of rendered scenes.</summary>
public static class TestFiles
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string EmbeddedModel => Path.Combine(RepositoryRoot, "models", "shapeworld", "model");

    /// <summary>A tiny reference model of ../shared/ref/models (tiny-sd15, tiny-sd21-v, …).</summary>
    public static string ReferenceModel(string name)
    {
        string path = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "ref", "models", name));
        Assert.True(Directory.Exists(path), $"the reference model {path} is missing (shared/ beside the repository)");
        return path;
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Server.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException($"no Server.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>Runs <c>align-train ARGS --threads 1</c> (the test machine's cores are shared); exit code and all output.</summary>
    public static (int Exit, string Output) AlignTrain(params string[] args) => Tests.AlignTrain.Run([.. args, "--threads", "1"]);

    /// <summary>The verifier's verdict on a manifest's image against <paramref name="prompt"/>, read in the pair's category.</summary>
    public static Verdict Verify(string manifestDir, PreferencePair pair, string prompt, string image)
    {
        (byte[] rgb, int w, int h) = PngDecoder.DecodeRgb(File.ReadAllBytes(PairManifest.Resolve(manifestDir, image)));
        return Verifier.Verify(CaptionParser.Parse(prompt, CategoryNames.Parse(pair.Category!)), rgb, w, h);
    }

    /// <summary>
    /// A manifest of <paramref name="count"/> pairs of rendered scenes: chosen = a scene of the caption, rejected = a scene of a
    /// one-attribute contradiction of it (which fails the caption). Images are written once each under <paramref name="directory"/>/img.
    /// </summary>
    public static string WriteRenderedManifest(string directory, int count, int size = SceneRenderer.DefaultSize)
    {
        Directory.CreateDirectory(Path.Combine(directory, "img"));
        var random = new Random(11);
        var pairs = new List<PreferencePair>();
        Category[] categories = [Category.Colours, Category.Position, Category.ColourAttribution];
        for (int i = 0; pairs.Count < count; i++)
        {
            Prompt prompt = PromptSuite.Sample(categories[i % categories.Length], Split.Train, 1, i)[0];
            Scene scene = SceneSampler.Sample(prompt.Spec, random);
            if (SpecPerturbation.Contradict(prompt.Spec, scene, random) is not { } wrong) continue;
            Scene other = SceneSampler.Sample(wrong, random);
            if (Verifier.Verify(prompt.Spec, SceneRenderer.Render(other, size)).Passed) continue;
            File.WriteAllBytes(Path.Combine(directory, "img", $"{i}w.png"), SceneRenderer.Render(scene, size).ToPng());
            File.WriteAllBytes(Path.Combine(directory, "img", $"{i}l.png"), SceneRenderer.Render(other, size).ToPng());
            pairs.Add(new PreferencePair { Prompt = prompt.Text, Chosen = $"img/{i}w.png", Rejected = $"img/{i}l.png", Category = Spec.CategoryName(prompt.Category) });
        }
        string manifest = Path.Combine(directory, "pairs.jsonl");
        PairManifest.Write(manifest, pairs);
        return manifest;
    }
}
