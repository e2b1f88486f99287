using Align.Adapters;
using Align.Pipelines;
using Torch;
using Torch.Optim;

namespace Align.Tests.Adapters;

/// <summary>Fresh adapters start as PEFT initialises them, and training reaches only their tensors through the unfused path.</summary>
public class TrainableAdapterTests
{
    private static readonly LoraConfig UNetAndText = new()
    {
        Rank = 2,
        Alpha = 4,
        Targets = new Dictionary<string, IReadOnlyList<string>>
        {
            ["unet"] = [.. LoraConfig.UNetAttention, "conv1"],
            ["text_encoder"] = LoraConfig.TextEncoderAttention,
        },
    };

    [Fact]
    public void StartsAsPeftInitialisesAndEqualToTheBase()
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = LoraKit.Load("tiny-sd15");
        using LoraAdapter adapter = sd.Adapters.CreateTrainable("fresh", UNetAndText, new Generator(5));
        using LoraAdapter again = sd.Adapters.CreateTrainable("again", UNetAndText, new Generator(5));
        int expectedLayers = LoraKit.Layers(sd, "unet", UNetAndText.Targets["unet"]).Count + LoraKit.Layers(sd, "text_encoder", UNetAndText.Targets["text_encoder"]).Count;
        Assert.Equal(expectedLayers, adapter.Layers.Count);
        Assert.Contains(adapter.Layers.Values, l => l.IsConv);
        foreach ((string key, LoraLayer layer) in adapter.Layers)
        {
            long fanIn = layer.A.NumEl / layer.A.Size(0);
            double bound = 1 / Math.Sqrt(fanIn); // kaiming_uniform(a=√5): gain √(2/6), bound √3·gain/√fan_in
            float[] a = layer.A.ToArray<float>();
            Assert.All(a, v => Assert.InRange(v, -bound, bound));
            Assert.True(a.Max() > bound / 2 && a.Min() < -bound / 2, $"{key}: A does not fill its range");
            Assert.All(layer.B.ToArray<float>(), v => Assert.Equal(0f, v));
            Assert.Equal(2.0, layer.Scale);
            Assert.True(layer.A.RequiresGrad && layer.B.RequiresGrad);
            Assert.Equal(a, again.Layers[key].A.ToArray<float>());
        }
        Tensor baseline = LoraKit.UNetOutput(sd, "tiny-sd15");
        using (sd.Adapters.Activate(adapter)) LoraKit.AssertIdentical(baseline, LoraKit.UNetOutput(sd, "tiny-sd15"), "zero B");
    }

    [Fact]
    public void GradientsReachOnlyTheLoraTensors()
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = LoraKit.Load("tiny-sd15");
        sd.Freeze();
        using LoraAdapter adapter = sd.Adapters.CreateTrainable("trained", UNetAndText, new Generator(6));
        using var optimizer = new SGD(adapter.Parameters(), lr: 0.5);
        var baseBefore = sd.UNet.StateDict().ToDictionary(p => p.Key, p => p.Value.ToArray<float>());

        Backward(sd, adapter);
        foreach ((string key, LoraLayer layer) in adapter.Layers)
        {
            Assert.NotNull(layer.A.Grad); // exactly zero while B is zero, as in PEFT
            Assert.True(layer.B.Grad!.Abs().Sum().ToDouble() > 0, $"{key}: no gradient reached B");
        }
        foreach (var (name, component) in sd.Adapters.Components)
            Assert.All(component.Parameters(), p => Assert.Null(p.Grad));

        optimizer.Step();
        optimizer.ZeroGrad();
        Backward(sd, adapter);
        foreach ((string key, LoraLayer layer) in adapter.Layers)
            Assert.True(layer.A.Grad!.Abs().Sum().ToDouble() > 0, $"{key}: no gradient reached A once B moved");
        foreach ((string key, float[] values) in baseBefore)
            Assert.True(values.AsSpan().SequenceEqual(sd.UNet.StateDict()[key].ToArray<float>()), $"base weight {key} changed");
    }

    [Fact]
    public void AdaptersActivatedTogetherEachGetTheGradientTheyGetAlone()
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = LoraKit.Load("tiny-sd15");
        sd.Freeze();
        using LoraAdapter a = sd.Adapters.CreateTrainable("a", UNetAndText, new Generator(11));
        using LoraAdapter b = sd.Adapters.CreateTrainable("b", UNetAndText with { Rank = 3 }, new Generator(12));
        using (var g = new Generator(13))
        using (Autograd.NoGrad())
            foreach (LoraLayer layer in a.Layers.Values.Concat(b.Layers.Values))
                layer.B.Copy_(torch.Randn(layer.B.Shape, g) * 0.1); // nonzero B, so A gets a gradient too

        // together: one pair of the summed rank per layer
        Backward(sd, [(a, 0.7), (b, 0.4)]);
        var together = a.Parameters().Concat(b.Parameters()).Select(p => p.Grad!.Clone()).ToArray();
        foreach (Tensor p in a.Parameters().Concat(b.Parameters())) p.Grad!.Zero_();

        // alone: the other adapter fused into the weights at its weight, the same function of this adapter's tensors
        foreach ((LoraAdapter alone, double weight, LoraAdapter fused, double fusedWeight) in new[] { (a, 0.7, b, 0.4), (b, 0.4, a, 0.7) })
        {
            sd.Adapters.Fuse(fused, fusedWeight);
            Backward(sd, [(alone, weight)]);
            sd.Adapters.Unfuse();
        }
        var apart = a.Parameters().Concat(b.Parameters()).Select(p => p.Grad!).ToArray();
        for (int i = 0; i < apart.Length; i++)
            LoraKit.AssertClose(apart[i], together[i], $"gradient of LoRA tensor {i} together vs alone");
    }

    private static void Backward(StableDiffusionModel sd, LoraAdapter adapter) => Backward(sd, [(adapter, 1.0)]);

    // Text encoder → UNet → a loss, with the adapters active: backward runs inside the scope.
    private static void Backward(StableDiffusionModel sd, (LoraAdapter, double)[] adapters)
    {
        using var scope = torch.NewDisposeScope();
        using var grad = Autograd.EnableGrad();
        using var g = new Generator(8);
        using SafetensorsFile refs = Reference.Open("tiny-sd15.unet.safetensors");
        Tensor ids = torch.Randint(0, 1000, [1, 77], g);
        using (sd.Adapters.Activate(adapters))
        {
            Tensor context = sd.Text[0].Encoder.Forward(ids).LastHiddenState;
            Tensor output = sd.UNet.Forward(refs.Load("in.sample")[..1], refs.Load("in.timestep_scalar"), context);
            output.Square().Mean().Backward();
        }
    }
}
