using Align.ShapeWorld;
using Torch;
using Training.Preferences;

namespace Training.Pretraining;

/// <summary>
/// The generator's own images, judged: the same-prompt pairs of preference manifests (<c>align-train pairs</c>: chosen
/// passes the prompt, rejected fails it). A judge trained on them sees what the generator gets wrong in the way it gets
/// it wrong (blur, half-drawn and merged shapes), as ImageReward is trained on ranked generations rather than on clean
/// renderings. The images are decoded once and kept as 8-bit pixels.
/// </summary>
public sealed class GeneratedPairSource
{
    private readonly List<(string Prompt, byte[] Chosen, byte[] Rejected)> _pairs = [];
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
                _pairs.Add((pair.Prompt, Load(directory, pair.Chosen, imageSize), Load(directory, pair.Rejected, imageSize)));
        }
        if (_pairs.Count == 0) throw new ArgumentException($"--generated-pairs: no same-prompt pairs in {string.Join(", ", manifests)}");
    }

    public int Count => _pairs.Count;

    /// <summary><paramref name="count"/> pairs drawn with replacement: chosen and rejected images [count, 3, H, W] in [0, 1], and their prompts.</summary>
    public (Tensor Chosen, Tensor Rejected, string[] Prompts) Sample(int count, Random random)
    {
        using var scope = torch.NewDisposeScope();
        var drawn = Enumerable.Range(0, count).Select(_ => _pairs[random.Next(_pairs.Count)]).ToArray();
        Tensor chosen = torch.Stack(drawn.Select(p => Image(p.Chosen)).ToArray()), rejected = torch.Stack(drawn.Select(p => Image(p.Rejected)).ToArray());
        return (chosen.MoveToOuterScope(), rejected.MoveToOuterScope(), drawn.Select(p => p.Prompt).ToArray());
    }

    private Tensor Image(byte[] rgb) => RgbImage.FromBytes(rgb, _size, _size).ToTensor();

    private static byte[] Load(string directory, string image, int size)
    {
        string path = PairManifest.Resolve(directory, image);
        RgbImage decoded = RgbImage.FromPng(File.ReadAllBytes(path));
        if (decoded.Width != size || decoded.Height != size)
            throw new ArgumentException($"--generated-pairs: {path} is {decoded.Width}×{decoded.Height}, the judge reads {size}×{size}");
        return decoded.ToBytes();
    }
}
