using Align.Rewards;
using Align.ShapeWorld;
using Torch;

namespace Training.Pretraining;

/// <summary>An image and the objects in it: a rendered scene's own objects, or what the verifier's detector finds in a generated image.</summary>
public sealed record CountedImage(byte[] Rgb, IReadOnlyList<Detection> Objects);

/// <summary>
/// Labelled images for a <see cref="CountHead"/>: rendered ShapeWorld scenes of the train split's captions (every category,
/// so counts of 2–4 of one kind are common), most of them degraded (<see cref="Degradations.Degrade"/>), labelled with their
/// true objects; and the generator's own images (PNGs under the given directories, e.g. <c>align-train pairs</c> outputs)
/// labelled by the verifier's detector, so the counter learns to count the generator's blurred and merged shapes as the
/// verifier does. A fraction of the generated images is held out for <see cref="CountingMetrics"/>.
/// </summary>
public sealed class CountingData
{
    private readonly int _size, _seed;
    private readonly List<CountedImage> _generated = [], _heldOut = [];

    /// <exception cref="ArgumentException">a directory without PNGs, or images of another size</exception>
    public CountingData(int imageSize, int seed, IReadOnlyList<string> generatedDirectories, double heldOutFraction = 0.1)
    {
        _size = imageSize;
        _seed = seed;
        var files = new List<string>();
        foreach (string directory in generatedDirectories)
        {
            if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"--generated: {directory}: directory not found");
            string[] pngs = Directory.GetFiles(directory, "*.png", SearchOption.AllDirectories);
            if (pngs.Length == 0) throw new ArgumentException($"--generated: no PNG under {directory}");
            files.AddRange(pngs.Order(StringComparer.Ordinal));
        }
        var order = new Random(seed);
        foreach (string file in files.OrderBy(_ => order.Next()))
        {
            RgbImage image = RgbImage.FromPng(File.ReadAllBytes(file));
            if (image.Width != imageSize || image.Height != imageSize)
                throw new ArgumentException($"--generated: {file} is {image.Width}×{image.Height}, the counter reads {imageSize}×{imageSize}");
            var counted = new CountedImage(image.ToBytes(), ShapeDetector.Detect(image));
            (_heldOut.Count < heldOutFraction * files.Count ? _heldOut : _generated).Add(counted);
        }
    }

    public int GeneratedCount => _generated.Count;
    public IReadOnlyList<CountedImage> HeldOut => _heldOut;

    /// <summary>A rendered scene of <paramref name="split"/>'s captions, degraded three times in four.</summary>
    public CountedImage Rendered(Random random, Split split = Split.Train)
    {
        Scene scene = CaptionedScenes.Generate(split, _seed, random.Next()).Scene;
        RgbImage image = SceneRenderer.Render(scene, _size);
        if (random.NextDouble() < 0.75) image = Degradations.Degrade(image, random.Next());
        return new CountedImage(image.ToBytes(), Detection.FromScene(scene));
    }

    /// <summary><paramref name="rendered"/> rendered and <paramref name="generated"/> generated images (drawn with replacement).</summary>
    public IReadOnlyList<CountedImage> Sample(int rendered, int generated, Random random) =>
    [
        .. Enumerable.Range(0, rendered).Select(_ => Rendered(random)),
        .. Enumerable.Range(0, _generated.Count == 0 ? 0 : generated).Select(_ => _generated[random.Next(_generated.Count)]),
    ];

    /// <summary>Images [N, 3, H, W] in [0, 1].</summary>
    public Tensor Images(IReadOnlyList<CountedImage> batch)
    {
        using var scope = torch.NewDisposeScope();
        return torch.Stack(batch.Select(b => RgbImage.FromBytes(b.Rgb, _size, _size).ToTensor()).ToArray()).MoveToOuterScope();
    }

    /// <summary>
    /// Per image, each class's number of objects [N, classes], and its density target [N, classes, grid, grid]: a unit
    /// mass per object, a Gaussian of σ one cell about its centroid, normalised over the grid.
    /// </summary>
    public static (Tensor Counts, Tensor Densities) Targets(IReadOnlyList<CountedImage> batch, int grid)
    {
        int classes = CountHead.ClassCount;
        var counts = new float[batch.Count * classes];
        var densities = new float[batch.Count * classes * grid * grid];
        var bump = new double[grid * grid];
        for (int i = 0; i < batch.Count; i++)
            foreach (Detection d in batch[i].Objects)
            {
                int k = CountHead.ClassOf(d.Shape, d.Colour);
                counts[i * classes + k] += 1;
                double cx = d.CentroidX * grid - 0.5, cy = d.CentroidY * grid - 0.5, total = 0;
                for (int y = 0; y < grid; y++)
                    for (int x = 0; x < grid; x++)
                        total += bump[y * grid + x] = Math.Exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / 2);
                int offset = (i * classes + k) * grid * grid;
                for (int c = 0; c < bump.Length; c++) densities[offset + c] += (float)(bump[c] / total);
            }
        return (Tensor.FromArray(counts, batch.Count, classes), Tensor.FromArray(densities, batch.Count, classes, grid, grid));
    }
}
