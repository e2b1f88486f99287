using System.Text.Json.Serialization;
using Align.Models;
using Torch;
using Torch.NN;

namespace Align.Rewards;

/// <summary>The <c>film_head/config.json</c> of a <see cref="FilmJudgeReward"/>.</summary>
public sealed record FilmConfig
{
    /// <summary>Width of the text embedding that conditions the blocks (the text tower's hidden size).</summary>
    public int TextSize { get; init; }

    /// <summary>Images are resized to this square size before the stem.</summary>
    public int ImageSize { get; init; } = 64;

    /// <summary>The stem's kernel and stride: feature maps are <see cref="ImageSize"/> / <see cref="Patch"/> wide.</summary>
    public int Patch { get; init; } = 4;

    public int Channels { get; init; } = 64;
    public int NumBlocks { get; init; } = 4;
    public int ClassifierSize { get; init; } = 128;

    /// <summary>
    /// How the classifier's feature maps become one vector: <c>max</c> (FiLM's global max-pool) or <c>max+mean</c> (both,
    /// concatenated: a maximum cannot tell one object from three, a mean over the map can).
    /// </summary>
    public string Pooling { get; init; } = MaxPooling;

    public const string MaxPooling = "max", MaxMeanPooling = "max+mean";

    /// <summary>Whether the classifier pools the mean beside the maximum (its vector is then twice as wide).</summary>
    [JsonIgnore]
    public bool PoolsMean => Pooling == MaxMeanPooling;

    [JsonIgnore]
    public string Source { get; init; } = "film_head/config.json";
}

/// <summary>
/// One FiLM residual block (Perez et al. 2018, "FiLM: Visual Reasoning with a General Conditioning Layer", §3.2 and
/// figure 3): coordinate maps appended, a 1×1 convolution and ReLU (the residual), a 3×3 convolution, normalisation
/// without affine parameters, then the text's feature-wise affine γ·x + β, ReLU, and the residual added back.
/// γ is produced as 1 + Δγ so an untrained block starts as an unconditioned one.
/// </summary>
public sealed class FilmBlock : Module
{
    public FilmBlock(int channels, int textSize)
    {
        conv1 = RegisterModule("conv1", new Conv2d(channels + 2, channels, 1));
        conv2 = RegisterModule("conv2", new Conv2d(channels, channels, 3, padding: 1));
        norm = RegisterModule("norm", new GroupNorm(Math.Min(8, channels), channels, affine: false));
        film = RegisterModule("film", new Linear(textSize, 2 * channels));
    }

    public Conv2d conv1 { get; }
    public Conv2d conv2 { get; }
    public GroupNorm norm { get; }
    public Linear film { get; }

    /// <param name="x">[B, C, h, w]</param>
    /// <param name="coords">[B, 2, h, w]</param>
    /// <param name="text">[B, text_size]</param>
    public Tensor Forward(Tensor x, Tensor coords, Tensor text)
    {
        using var scope = torch.NewDisposeScope();
        Tensor residual = F.Relu(conv1.Forward(torch.Cat([x, coords], 1)));
        Tensor[] gammaBeta = film.Forward(text).Unsqueeze(-1).Unsqueeze(-1).Chunk(2, 1);
        Tensor y = norm.Forward(conv2.Forward(residual)) * (gammaBeta[0] + 1) + gammaBeta[1];
        return (residual + F.Relu(y)).MoveToOuterScope();
    }
}

/// <summary>
/// A FiLM network that judges whether an image matches a text embedding: a patchifying stem, <see cref="FilmBlock"/>s
/// whose every feature map is scaled and shifted by the text, and FiLM's classifier (1×1 convolution, global max-pool,
/// optionally with the mean beside it, two-layer MLP) giving one match logit. Convolutions over coordinate maps keep where things are, which a CLIP score
/// (two pooled vectors) loses: "left of" is a comparison of positions the blocks can compute.
/// </summary>
public sealed class FilmHead : Module
{
    public FilmHead(FilmConfig config)
    {
        if (config.TextSize <= 0 || config.ImageSize <= 0 || config.Patch <= 0 || config.ImageSize % config.Patch != 0 || config.Channels <= 0 ||
            config.NumBlocks <= 0 || config.ClassifierSize <= 0)
            throw new ModelLoadException($"{config.Source}: text_size, image_size, patch, channels, num_blocks and classifier_size must be positive " +
                                         $"and image_size a multiple of patch (got {config})");
        if (config.Pooling is not (FilmConfig.MaxPooling or FilmConfig.MaxMeanPooling))
            throw new ModelLoadException($"{config.Source}: pooling must be \"{FilmConfig.MaxPooling}\" or \"{FilmConfig.MaxMeanPooling}\", got \"{config.Pooling}\"");
        Config = config;
        stem = RegisterModule("stem", new Conv2d(3 + 2, config.Channels, config.Patch, stride: config.Patch));
        blocks = RegisterModule("blocks", new ModuleList<FilmBlock>(Enumerable.Range(0, config.NumBlocks).Select(_ => new FilmBlock(config.Channels, config.TextSize))));
        classifier_conv = RegisterModule("classifier_conv", new Conv2d(config.Channels + 2, config.ClassifierSize, 1));
        classifier_fc1 = RegisterModule("classifier_fc1", new Linear(config.PoolsMean ? 2 * config.ClassifierSize : config.ClassifierSize, config.ClassifierSize));
        classifier_fc2 = RegisterModule("classifier_fc2", new Linear(config.ClassifierSize, 1));
    }

    public FilmConfig Config { get; }
    public Conv2d stem { get; }
    public ModuleList<FilmBlock> blocks { get; }
    public Conv2d classifier_conv { get; }
    public Linear classifier_fc1 { get; }
    public Linear classifier_fc2 { get; }

    public static FilmHead FromPretrained(string directory) =>
        Pretrained.Load(directory, "model", d =>
        {
            string path = Path.Combine(d, "config.json");
            return new FilmHead(ConfigFile.Read<FilmConfig>(path) with { Source = path });
        });

    public void SavePretrained(string directory) => Pretrained.Save(this, directory, "model", path => ConfigFile.Write(path, Config));

    /// <param name="images">[B, 3, H, W] in [0, 1] (resized to the configured size inside the graph)</param>
    /// <param name="text">[B, text_size]</param>
    /// <returns>[B] match logits</returns>
    public Tensor Forward(Tensor images, Tensor text)
    {
        using var scope = torch.NewDisposeScope();
        int size = Config.ImageSize;
        Tensor x = images.Size(2) == size && images.Size(3) == size ? images : F.Interpolate(images, size: [size, size], mode: "bilinear");
        x = x * 2.0 - 1.0;
        x = F.Relu(stem.Forward(torch.Cat([x, Coordinates(x, size)], 1)));
        Tensor coords = Coordinates(x, size / Config.Patch);
        foreach (FilmBlock block in blocks) x = block.Forward(x, coords, text);
        x = F.Relu(classifier_conv.Forward(torch.Cat([x, coords], 1)));
        x = Config.PoolsMean ? torch.Cat([x.Amax([2, 3]), x.Mean([2, 3])], 1) : x.Amax([2, 3]);
        return classifier_fc2.Forward(F.Relu(classifier_fc1.Forward(x))).Squeeze(-1).MoveToOuterScope();
    }

    // [B, 2, n, n]: x and y from −1 (left, top) to 1 (right, bottom), as FiLM's (and CoordConv's) coordinate maps.
    private static Tensor Coordinates(Tensor like, int n)
    {
        using var scope = torch.NewDisposeScope();
        Tensor line = torch.Linspace(-1, 1, n, like.DType, like.Device);
        Tensor xs = line.View(1, 1, 1, n).Expand(like.Size(0), 1, n, n), ys = line.View(1, 1, n, 1).Expand(like.Size(0), 1, n, n);
        return torch.Cat([xs, ys], 1).MoveToOuterScope();
    }
}
