using Align.Adapters;
using Align.Pipelines;
using Torch;

namespace Align.Tests.Adapters;

/// <summary>
/// Fusing one adapter into the weights matches the hand-merged model; applying it again adds to the fused weight; unfusing
/// restores every weight bit for bit.
/// </summary>
public class AdapterFusionTests
{
    [Theory]
    [InlineData("tiny-sd15")]
    [InlineData("tiny-sdxl")]
    public void FuseMatchesTheHandMergeAndUnfuseRestoresTheWeightsExactly(string model)
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = LoraKit.Load(model), merged = LoraKit.Load(model);
        using var g = new Generator(21);
        var pairs = LoraKit.RandomPairs(sd, "unet", [.. LoraConfig.UNetAttention, .. LoraConfig.UNetResnetConvs], 4, g, _ => 3.0);
        pairs.AddRange(LoraKit.RandomPairs(sd, "text_encoder", LoraConfig.TextEncoderMlp, 4, g, _ => 3.0));
        using TempDirectory temp = LoraKit.TempDir("fuse");
        string file = AdapterFiles.Kohya(Path.Combine(temp.Path, "fuse.safetensors"), pairs, p => AdapterFiles.KohyaStem(p, sd.IsXL));
        using LoraAdapter adapter = sd.Adapters.Load(file);
        var before = Snapshot(sd);
        Tensor baseText = LoraKit.TextOutput(sd), baseUNet = LoraKit.UNetOutput(sd, model);

        sd.Adapters.Fuse(adapter, 0.7);
        Assert.Equal((adapter, 0.7), sd.Adapters.Fused);
        Assert.NotEqual("", sd.Adapters.TextEncoderState);
        LoraKit.MergeByHand(merged, pairs, 0.7);
        LoraKit.AssertClose(LoraKit.UNetOutput(merged, model), LoraKit.UNetOutput(sd, model), $"{model} UNet fused vs hand-merged");
        LoraKit.AssertClose(LoraKit.TextOutput(merged), LoraKit.TextOutput(sd), $"{model} prompt embeddings fused vs hand-merged");
        Assert.Throws<InvalidOperationException>(() => sd.Adapters.Fuse(adapter));
        // applied on top of itself, the fused adapter's weights add: at minus the fused weight it cancels
        using (sd.Adapters.Activate(adapter, -0.7))
        {
            LoraKit.AssertClose(baseUNet, LoraKit.UNetOutput(sd, model), $"{model} UNet fused at 0.7 and applied at -0.7 vs the base");
            LoraKit.AssertClose(baseText, LoraKit.TextOutput(sd), $"{model} prompt embeddings fused at 0.7 and applied at -0.7 vs the base");
        }
        LoraKit.MergeByHand(merged, pairs, 0.3);
        using (sd.Adapters.Activate(adapter, 0.3))
            LoraKit.AssertClose(LoraKit.UNetOutput(merged, model), LoraKit.UNetOutput(sd, model), $"{model} UNet fused at 0.7 and applied at 0.3 vs merged at 1.0");

        sd.Adapters.Unfuse();
        Assert.Null(sd.Adapters.Fused);
        var after = Snapshot(sd);
        Assert.Equal(before.Keys, after.Keys);
        foreach ((string key, float[] values) in before)
            Assert.True(values.AsSpan().SequenceEqual(after[key]), $"{key} is not restored bit for bit");
        LoraKit.AssertIdentical(baseText, LoraKit.TextOutput(sd), "prompt embeddings after unfusing");
        LoraKit.Dispose(pairs);
    }

    [Fact]
    public void FusingIsRefusedWhileAnActivationIsInUse()
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = LoraKit.Load("tiny-sd15");
        using LoraAdapter a = sd.Adapters.CreateTrainable("a", new LoraConfig(), new Generator(1));
        using LoraAdapter b = sd.Adapters.CreateTrainable("b", new LoraConfig(), new Generator(2));
        using (sd.Adapters.Activate(a))
        {
            var e = Assert.Throws<InvalidOperationException>(() => sd.Adapters.Fuse(b));
            Assert.Contains("activation", e.Message);
        }
        sd.Adapters.Fuse(b);
        using (sd.Adapters.Activate(a))
            Assert.Throws<InvalidOperationException>(() => sd.Adapters.Unfuse());
        sd.Adapters.Unfuse();
        Assert.Throws<InvalidOperationException>(() => sd.Adapters.Unfuse());
    }

    private static Dictionary<string, float[]> Snapshot(StableDiffusionModel sd)
    {
        var all = new Dictionary<string, float[]>();
        foreach ((string name, Torch.NN.Module component) in sd.Adapters.Components)
            foreach ((string key, Tensor t) in component.StateDict())
                if (t.DType == DType.Float32) all[$"{name}.{key}"] = t.ToArray<float>();
        return all;
    }
}
