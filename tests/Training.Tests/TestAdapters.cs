using Align.Adapters;
using Align.Pipelines;
using Torch;

namespace Training.Tests;

/// <summary>Trainable adapters whose B is drawn away from zero, so that applying one changes the model (and A gets gradients).</summary>
internal static class TestAdapters
{
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> UNetAndText =
        new Dictionary<string, IReadOnlyList<string>> { [AdapterKeys.UNet] = LoraConfig.UNetAttention, [AdapterKeys.TextEncoder] = LoraConfig.TextEncoderAttention };

    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> UNetOnly =
        new Dictionary<string, IReadOnlyList<string>> { [AdapterKeys.UNet] = LoraConfig.UNetAttention };

    /// <param name="seed">A is drawn from it, B from seed + 1 with standard deviation <paramref name="std"/></param>
    public static LoraAdapter Random(StableDiffusionModel model, string name, IReadOnlyDictionary<string, IReadOnlyList<string>> targets,
        int rank, double? alpha, ulong seed, double std)
    {
        using var a = new Generator(seed);
        LoraAdapter adapter = model.Adapters.CreateTrainable(name, new LoraConfig { Rank = rank, Alpha = alpha, Targets = targets }, a);
        using var b = new Generator(seed + 1);
        using (Autograd.NoGrad())
            foreach (LoraLayer layer in adapter.Layers.Values) layer.B.Normal_(0, std, b);
        return adapter;
    }
}
