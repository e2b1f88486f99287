using Align.ShapeWorld;
using Torch;
using Training.Preferences;

namespace Training.Pretraining;

/// <summary>
/// The generator's own images, judged: the same-prompt pairs of preference manifests (<c>align-train pairs</c>: chosen
/// passes the prompt, rejected fails it). A judge trained on them sees what the generator gets wrong in the way it gets
/// it wrong (blur, half-drawn and merged shapes), as ImageReward is trained on ranked generations rather than on clean
/// renderings. Each image is also read by the verifier's detector for its <see cref="HindsightCaptions"/>: a caption it
/// holds and one it fails, one attribute apart. The images are decoded once each and kept as 8-bit pixels.
/// </summary>
public sealed class GeneratedPairSource
{
    private readonly List<(string Prompt, byte[] Chosen, byte[] Rejected)> _pairs = [];
    private readonly List<(byte[] Image, HindsightCaptions Captions)> _captioned = [];
    private readonly Dictionary<string, byte[]> _images = new(StringComparer.Ordinal);
    private readonly int _size;

    /// <param name="manifests">pairs.jsonl files; cross-validation triples (two prompts) are skipped</param>
    /// <exception cref="ArgumentException">no same-prompt pair in them, or images of another size</exception>
    public GeneratedPairSource(IEnumerable<string> manifests, int imageSize)
    {
        _size = imageSize;
        foreach (string manifest in manifests)
        {
            string directory = Path.GetDirectoryName(Path.GetFullPath(manifest))!;
            foreach (PreferencePair pair in PairManifest.Read(manifest).Where(p => p.Kind is null or PreferencePair.SamePrompt))
            {
                Spec? asked = pair.PromptSpec(); // null outside ShapeWorld's grammar: its images get no hindsight captions
                _pairs.Add((pair.Prompt, Load(directory, pair.Chosen, asked), Load(directory, pair.Rejected, asked)));
            }
        }
        if (_pairs.Count == 0) throw new ArgumentException($"--generated-pairs: no same-prompt pairs in {string.Join(", ", manifests)}");
    }

    public int Count => _pairs.Count;

    /// <summary>Distinct images with hindsight captions (those whose prompt has a one-attribute edit on the other side of the verdict).</summary>
    public int CaptionedCount => _captioned.Count;

    /// <summary><paramref name="count"/> pairs drawn with replacement: chosen and rejected images [count, 3, H, W] in [0, 1], and their prompts.</summary>
    public (Tensor Chosen, Tensor Rejected, string[] Prompts) Sample(int count, Random random)
    {
        using var scope = torch.NewDisposeScope();
        var drawn = Enumerable.Range(0, count).Select(_ => _pairs[random.Next(_pairs.Count)]).ToArray();
        Tensor chosen = torch.Stack(drawn.Select(p => Image(p.Chosen)).ToArray()), rejected = torch.Stack(drawn.Select(p => Image(p.Rejected)).ToArray());
        return (chosen.MoveToOuterScope(), rejected.MoveToOuterScope(), drawn.Select(p => p.Prompt).ToArray());
    }

    /// <summary>
    /// <paramref name="count"/> images drawn with replacement from those with hindsight captions: images [count, 3, H, W] in
    /// [0, 1], for each a caption it holds and one it fails.
    /// </summary>
    public (Tensor Images, string[] Holding, string[] Failing) SampleCaptioned(int count, Random random)
    {
        if (_captioned.Count == 0) throw new InvalidOperationException("no generated image has hindsight captions");
        using var scope = torch.NewDisposeScope();
        var drawn = Enumerable.Range(0, count).Select(_ => _captioned[random.Next(_captioned.Count)]).ToArray();
        var captions = drawn.Select(d => d.Captions.Draw(random)).ToArray();
        Tensor images = torch.Stack(drawn.Select(d => Image(d.Image)).ToArray());
        return (images.MoveToOuterScope(), captions.Select(c => c.Holding).ToArray(), captions.Select(c => c.Failing).ToArray());
    }

    private Tensor Image(byte[] rgb) => RgbImage.FromBytes(rgb, _size, _size).ToTensor();

    // Each file decoded once, however many pairs name it (all of them for its own prompt).
    private byte[] Load(string directory, string image, Spec? asked)
    {
        string path = PairManifest.Resolve(directory, image);
        if (_images.TryGetValue(path, out byte[]? known)) return known;
        RgbImage decoded = RgbImage.FromPng(File.ReadAllBytes(path));
        if (decoded.Width != _size || decoded.Height != _size)
            throw new ArgumentException($"--generated-pairs: {path} is {decoded.Width}×{decoded.Height}, the judge reads {_size}×{_size}");
        byte[] rgb = decoded.ToBytes();
        _images[path] = rgb;
        if (asked is not null && HindsightCaptions.For(asked, ShapeDetector.Detect(decoded)) is { } captions) _captioned.Add((rgb, captions));
        return rgb;
    }
}
