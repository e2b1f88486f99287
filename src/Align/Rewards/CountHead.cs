using System.Text.Json.Serialization;
using Align.Models;
using Align.ShapeWorld;
using Torch;
using Torch.NN;

namespace Align.Rewards;

/// <summary>The <c>count_head/config.json</c> of a <see cref="CountReward"/>.</summary>
public sealed record CountConfig
{
    /// <summary>Images are resized to this square size before the stem.</summary>
    public int ImageSize { get; init; } = 64;

    public int Channels { get; init; } = 48;
    public int NumBlocks { get; init; } = 4;

    /// <summary>Density maps, one per ShapeWorld shape × colour (<see cref="CountHead.ClassOf"/>); checked against the vocabulary on load.</summary>
    public int NumClasses { get; init; } = CountHead.ClassCount;

    [JsonIgnore]
    public string Source { get; init; } = "count_head/config.json";
}

/// <summary>A residual block: 3×3 convolution, group norm, ReLU, 3×3 convolution, group norm, the input added back, ReLU.</summary>
public sealed class CountBlock : Module
{
    public CountBlock(int channels)
    {
        conv1 = RegisterModule("conv1", new Conv2d(channels, channels, 3, padding: 1));
        norm1 = RegisterModule("norm1", new GroupNorm(Math.Min(8, channels), channels));
        conv2 = RegisterModule("conv2", new Conv2d(channels, channels, 3, padding: 1));
        norm2 = RegisterModule("norm2", new GroupNorm(Math.Min(8, channels), channels));
    }

    public Conv2d conv1 { get; }
    public GroupNorm norm1 { get; }
    public Conv2d conv2 { get; }
    public GroupNorm norm2 { get; }

    public Tensor Forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        Tensor y = norm2.Forward(conv2.Forward(F.Relu(norm1.Forward(conv1.Forward(x)))));
        return F.Relu(x + y).MoveToOuterScope();
    }
}

/// <summary>
/// A density-map counter (Lempitsky and Zisserman 2010, "Learning to count objects in images"; the fully convolutional
/// form of Zhang et al. 2016, MCNN): a stride-2 stem, <see cref="CountBlock"/>s, a stride-2 convolution and a 1×1
/// convolution give one non-negative density map per shape × colour at a quarter of the image's side, and a class's
/// count is its map's sum. A sum of local evidence counts one object as one wherever it is, which a pooled match logit
/// (the judges') cannot: it must compare a pooled value against the number in the prompt.
/// </summary>
public sealed class CountHead : Module
{
    /// <summary>Shapes × colours of the ShapeWorld vocabulary.</summary>
    public static readonly int ClassCount = Vocabulary.Shapes.Count * Vocabulary.Colours.Count;

    public CountHead(CountConfig config)
    {
        if (config.ImageSize <= 0 || config.ImageSize % 4 != 0 || config.Channels <= 0 || config.NumBlocks <= 0)
            throw new ModelLoadException($"{config.Source}: image_size (a multiple of 4), channels and num_blocks must be positive (got {config})");
        if (config.NumClasses != ClassCount)
            throw new ModelLoadException($"{config.Source}: num_classes is {config.NumClasses}, but ShapeWorld has {ClassCount} shape × colour classes");
        Config = config;
        stem = RegisterModule("stem", new Conv2d(3, config.Channels, 4, stride: 2, padding: 1));
        blocks = RegisterModule("blocks", new ModuleList<CountBlock>(Enumerable.Range(0, config.NumBlocks).Select(_ => new CountBlock(config.Channels))));
        down = RegisterModule("down", new Conv2d(config.Channels, config.Channels, 4, stride: 2, padding: 1));
        density = RegisterModule("density", new Conv2d(config.Channels, config.NumClasses, 1));
        // softplus(−8) ≈ 0.0003 per cell: an untrained head counts about nothing rather than 0.69 per cell (a hundred objects)
        using (Autograd.NoGrad()) density.Bias!.Fill_(InitialDensityBias);
    }

    private const double InitialDensityBias = -8.0;

    public CountConfig Config { get; }
    public Conv2d stem { get; }
    public ModuleList<CountBlock> blocks { get; }
    public Conv2d down { get; }
    public Conv2d density { get; }

    /// <summary>The density channel of objects of <paramref name="shape"/> and <paramref name="colour"/>.</summary>
    public static int ClassOf(Shape shape, Colour colour) => (int)shape * Vocabulary.Colours.Count + (int)colour;

    public static CountHead FromPretrained(string directory) =>
        Pretrained.Load(directory, "model", d =>
        {
            string path = Path.Combine(d, "config.json");
            return new CountHead(ConfigFile.Read<CountConfig>(path) with { Source = path });
        });

    public void SavePretrained(string directory) => Pretrained.Save(this, directory, "model", path => ConfigFile.Write(path, Config));

    /// <param name="images">[B, 3, H, W] in [0, 1] (resized to the configured size inside the graph)</param>
    /// <returns>[B, classes, size/4, size/4] non-negative densities</returns>
    public Tensor Densities(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        int size = Config.ImageSize;
        Tensor x = images.Size(2) == size && images.Size(3) == size ? images : F.Interpolate(images, size: [size, size], mode: "bilinear");
        x = F.Relu(stem.Forward(x * 2.0 - 1.0));
        foreach (CountBlock block in blocks) x = block.Forward(x);
        x = F.Relu(down.Forward(x));
        return F.Softplus(density.Forward(x)).MoveToOuterScope();
    }

    /// <returns>[B, classes]: each class's expected number of objects</returns>
    public Tensor Counts(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        return Densities(images).Sum([2, 3]).MoveToOuterScope();
    }
}
