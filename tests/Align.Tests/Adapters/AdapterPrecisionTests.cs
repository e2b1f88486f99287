using Align.Adapters;
using Align.Pipelines;
using Torch;

namespace Align.Tests.Adapters;

/// <summary>
/// A half-precision model (bfloat16: the CPU build has no float16 matmul) gets adapters in its precision, runs float32
/// trainable adapters through a per-call cast that gradients cross, and unfuses to its exact bits.
/// </summary>
public class AdapterPrecisionTests
{
    private const string Model = "tiny-sd15";

    [Fact]
    public void BFloat16ModelLoadsActivatesTrainsAndUnfusesExactly()
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = StableDiffusionModel.Load(Reference.Model(Model), dtype: DType.BFloat16);
        sd.Freeze();
        using var g = new Generator(51);
        using StableDiffusionModel layout = LoraKit.Load(Model);
        var pairs = LoraKit.RandomPairs(layout, "unet", [.. LoraConfig.UNetAttention, "conv1"], 4, g);
        using TempDirectory temp = LoraKit.TempDir("bf16");
        using LoraAdapter loaded = sd.Adapters.Load(AdapterFiles.Diffusers(Path.Combine(temp.Path, "a.safetensors"), pairs));
        Assert.All(loaded.Layers.Values, l => Assert.Equal(DType.BFloat16, l.A.DType));

        Tensor baseline = Forward(sd);
        using (sd.Adapters.Activate(loaded)) LoraKit.AssertChanged(baseline, Forward(sd), "bfloat16 UNet with the adapter");
        Assert.Equal(baseline.ToArray<float>(), Forward(sd).ToArray<float>());

        var before = sd.UNet.StateDict().ToDictionary(p => p.Key, p => p.Value.To(DType.Float32).ToArray<float>());
        sd.Adapters.Fuse(loaded, 1.5);
        Assert.NotEqual(baseline.ToArray<float>(), Forward(sd).ToArray<float>());
        sd.Adapters.Unfuse();
        foreach ((string key, Tensor t) in sd.UNet.StateDict())
            Assert.True(before[key].AsSpan().SequenceEqual(t.To(DType.Float32).ToArray<float>()), $"{key} not restored exactly");

        using LoraAdapter trainable = sd.Adapters.CreateTrainable("f32", new LoraConfig(), new Generator(2), dtype: DType.Float32);
        Assert.All(trainable.Layers.Values, l => Assert.Equal(DType.Float32, l.A.DType));
        using (Autograd.EnableGrad())
        using (sd.Adapters.Activate(trainable))
            Forward(sd).To(DType.Float32).Square().Mean().Backward();
        Assert.All(trainable.Layers.Values, l => Assert.True(l.B.Grad!.Abs().Sum().ToDouble() > 0));
        LoraKit.Dispose(pairs);
    }

    private static Tensor Forward(StableDiffusionModel sd)
    {
        using SafetensorsFile refs = Reference.Open($"{Model}.unet.safetensors");
        return sd.UNet.Forward(refs.Load("in.sample").To(DType.BFloat16), refs.Load("in.timestep"), refs.Load("in.encoder_hidden_states").To(DType.BFloat16))
            .To(DType.Float32);
    }
}
