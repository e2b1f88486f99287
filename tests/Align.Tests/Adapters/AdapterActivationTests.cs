using Align.Adapters;
using Align.Pipelines;
using Torch;

namespace Align.Tests.Adapters;

/// <summary>Weights, several adapters at once, the exclusive activation scope, generation, and the prompt cache under adapters.</summary>
public class AdapterActivationTests
{
    private const string Model = "tiny-sd15";

    private static (LoraAdapter Adapter, List<TestPair> Pairs) Written(StableDiffusionModel sd, string name, ulong seed, IEnumerable<string>? textTargets = null)
    {
        using var g = new Generator(seed);
        var pairs = LoraKit.RandomPairs(sd, "unet", LoraConfig.UNetAttention, 4, g, _ => 2.0);
        if (textTargets is not null) pairs.AddRange(LoraKit.RandomPairs(sd, "text_encoder", textTargets, 4, g, _ => 4.0));
        using TempDirectory temp = LoraKit.TempDir(name);
        string file = AdapterFiles.Diffusers(Path.Combine(temp.Path, name + ".safetensors"), pairs,
            new Dictionary<string, string> { ["lora_adapter_metadata"] = "{\"unet.lora_alpha\": 2.0, \"text_encoder.lora_alpha\": 4.0}" });
        return (sd.Adapters.Load(file), pairs);
    }

    [Fact]
    public void WeightZeroIsExactlyTheBase()
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = LoraKit.Load(Model);
        (LoraAdapter adapter, var pairs) = Written(sd, "zero", 1, LoraConfig.TextEncoderAttention);
        using (adapter)
        {
            Tensor baseUNet = LoraKit.UNetOutput(sd, Model), baseText = LoraKit.TextOutput(sd);
            using (sd.Adapters.Activate(adapter, 0.0))
            {
                LoraKit.AssertIdentical(baseUNet, LoraKit.UNetOutput(sd, Model), "UNet at weight 0");
                LoraKit.AssertIdentical(baseText, LoraKit.TextOutput(sd), "prompt embeddings at weight 0");
                Assert.Equal("", sd.Adapters.TextEncoderState);
            }
            using (sd.Adapters.Activate([])) LoraKit.AssertIdentical(baseUNet, LoraKit.UNetOutput(sd, Model), "UNet under an empty activation");
            Assert.Throws<ArgumentException>(() => sd.Adapters.Activate([(adapter, 1.0), (adapter, 0.5)]));
            Assert.Empty(sd.Adapters.Active);
        }
        LoraKit.Dispose(pairs);
    }

    [Fact]
    public void TwoAdaptersAddUp()
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = LoraKit.Load(Model), merged = LoraKit.Load(Model);
        (LoraAdapter a, var pairsA) = Written(sd, "first", 2, LoraConfig.TextEncoderMlp);
        (LoraAdapter b, var pairsB) = Written(sd, "second", 3);
        using (a)
        using (b)
        {
            Tensor unet, text, unetA;
            using (sd.Adapters.Activate([(a, 0.8), (b, 0.5)]))
            {
                unet = LoraKit.UNetOutput(sd, Model);
                text = LoraKit.TextOutput(sd);
            }
            using (sd.Adapters.Activate(a, 0.8)) unetA = LoraKit.UNetOutput(sd, Model);
            LoraKit.AssertChanged(unetA, unet, "the second adapter's contribution");
            LoraKit.MergeByHand(merged, pairsA, 0.8);
            LoraKit.MergeByHand(merged, pairsB, 0.5);
            LoraKit.AssertClose(LoraKit.UNetOutput(merged, Model), unet, "UNet with two adapters vs both merged by hand");
            LoraKit.AssertClose(LoraKit.TextOutput(merged), text, "prompt embeddings with two adapters vs both merged by hand");
        }
        LoraKit.Dispose(pairsA);
        LoraKit.Dispose(pairsB);
    }

    [Fact]
    public void ScopeRestoresTheBaseAndExcludesOtherActivations()
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = LoraKit.Load(Model), mergedB = LoraKit.Load(Model);
        (LoraAdapter a, var pairsA) = Written(sd, "held", 4);
        (LoraAdapter b, var pairsB) = Written(sd, "waiting", 5);
        LoraKit.MergeByHand(mergedB, pairsB, 1.0);
        Tensor expectedB = LoraKit.UNetOutput(mergedB, Model).DetachFromDisposeScope();
        Tensor baseUNet = LoraKit.UNetOutput(sd, Model);
        var baseKeys = sd.UNet.StateDict().Keys.ToList();

        Worker<Tensor> waiting;
        using (AdapterActivation held = sd.Adapters.Activate(a))
        {
            Assert.Equal(baseKeys, sd.UNet.StateDict().Keys);
            Assert.Equal([(a, 1.0)], sd.Adapters.Active);
            waiting = new Worker<Tensor>(() =>
            {
                using var inner = torch.NewDisposeScope();
                using (sd.Adapters.Activate(b)) return LoraKit.UNetOutput(sd, Model).DetachFromDisposeScope();
            });
            Assert.False(waiting.Join(TimeSpan.FromMilliseconds(500)), "a second activation ran while the first was held");
            var cancelled = new Worker<AdapterActivation>(() => sd.Adapters.Activate(b, 1.0, new CancellationTokenSource(200).Token));
            Assert.ThrowsAny<OperationCanceledException>(() => cancelled.Result);
            Assert.Throws<InvalidOperationException>(() => sd.Adapters.Activate(b));
            LoraKit.AssertChanged(baseUNet, LoraKit.UNetOutput(sd, Model), "UNet under the held activation");
        }
        Assert.True(waiting.Join(TimeSpan.FromSeconds(60)), "the waiting activation never ran");
        LoraKit.AssertClose(expectedB, waiting.Result, "the second run sees only its own adapter");
        Assert.Empty(sd.Adapters.Active);
        LoraKit.AssertIdentical(baseUNet, LoraKit.UNetOutput(sd, Model), "UNet after both scopes");
        waiting.Result.Dispose();
        expectedB.Dispose();
        a.Dispose();
        b.Dispose();
        LoraKit.Dispose(pairsA);
        LoraKit.Dispose(pairsB);
    }

    [Fact]
    public void ConcurrentRunsSeeOnlyTheirOwnAdapters()
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = LoraKit.Load(Model);
        (LoraAdapter a, var pairsA) = Written(sd, "left", 6);
        (LoraAdapter b, var pairsB) = Written(sd, "right", 7);
        Tensor alone(IEnumerable<(LoraAdapter, double)> choice)
        {
            using (sd.Adapters.Activate(choice)) return LoraKit.UNetOutput(sd, Model);
        }
        var expected = new[] { alone([(a, 1.0)]), alone([(b, 0.5)]), alone([]) };
        (LoraAdapter, double)[][] choices = [[(a, 1.0)], [(b, 0.5)], []];

        var runs = Enumerable.Range(0, 3).Select(k => new Worker<bool>(() =>
        {
            for (int i = 0; i < 3; i++)
            {
                using var inner = torch.NewDisposeScope();
                using (sd.Adapters.Activate(choices[k])) LoraKit.AssertIdentical(expected[k], LoraKit.UNetOutput(sd, Model), $"run {k}, round {i}");
            }
            return true;
        })).ToArray();
        Assert.All(runs, run => Assert.True(run.Result));
        a.Dispose();
        b.Dispose();
        LoraKit.Dispose(pairsA);
        LoraKit.Dispose(pairsB);
    }

    [Fact]
    public void AnAdapterDisposedDuringARunIsFreedWhenTheRunEnds()
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = LoraKit.Load(Model);
        (LoraAdapter adapter, var pairs) = Written(sd, "replaced", 8);
        Tensor before;
        using (sd.Adapters.Activate(adapter))
        {
            before = LoraKit.UNetOutput(sd, Model);
            adapter.Dispose();
            Assert.True(adapter.IsDisposed);
            LoraKit.AssertIdentical(before, LoraKit.UNetOutput(sd, Model), "the run keeps its adapter");
        }
        Assert.True(adapter.Layers.Values.First().A.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => sd.Adapters.Activate(adapter));
        LoraKit.Dispose(pairs);
    }

    [Theory]
    [InlineData("tiny-sd15")]
    [InlineData("tiny-sdxl")]
    public void GeneratingWithAdaptersMatchesTheHandMergedModel(string model)
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = LoraKit.Load(model), merged = LoraKit.Load(model);
        using var g = new Generator(9);
        var pairs = LoraKit.RandomPairs(sd, "unet", [.. LoraConfig.UNetAttention, .. LoraConfig.UNetFeedForward], 4, g);
        pairs.AddRange(LoraKit.RandomPairs(sd, "text_encoder", LoraConfig.TextEncoderAttention, 4, g));
        using TempDirectory temp = LoraKit.TempDir("gen");
        using LoraAdapter adapter = sd.Adapters.Load(AdapterFiles.Diffusers(Path.Combine(temp.Path, "gen.safetensors"), pairs));
        var request = new TextToImageRequest("a red circle", [3], 16, 16, 2, 3.0);
        using GenerationResult plain = new TextToImagePipeline(sd).Generate(request);
        GenerationResult adapted;
        using (sd.Adapters.Activate(adapter, 0.9)) adapted = new TextToImagePipeline(sd).Generate(request);
        LoraKit.MergeByHand(merged, pairs, 0.9);
        using GenerationResult expected = new TextToImagePipeline(merged).Generate(request);
        using (adapted)
        {
            LoraKit.AssertChanged(plain.DecodedRaw, adapted.DecodedRaw, "decoded image");
            Reference.AssertClose(expected.DecodedRaw, adapted.DecodedRaw, $"{model} image with the adapter vs hand-merged", rtol: 1e-3);
        }
        LoraKit.Dispose(pairs);
    }

    [Fact]
    public void PromptCacheKeepsEmbeddingsOfTextEncoderAdaptersApart()
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = LoraKit.Load(Model);
        (LoraAdapter adapter, var pairs) = Written(sd, "cached", 10, LoraConfig.TextEncoderAttention);
        using var cache = new PromptCache(sd.Prompts, 8);
        var pipeline = new TextToImagePipeline(sd, cache);
        var request = new TextToImageRequest("a blue square", [1], 16, 16, 1, 1.0);
        using GenerationResult first = pipeline.Generate(request);
        using (sd.Adapters.Activate(adapter))
        {
            Assert.NotEqual("", sd.Adapters.TextEncoderState);
            using GenerationResult adapted = pipeline.Generate(request);
            using GenerationResult uncached = new TextToImagePipeline(sd).Generate(request);
            LoraKit.AssertIdentical(uncached.DecodedRaw, adapted.DecodedRaw, "cached run under a text-encoder adapter vs uncached");
        }
        using GenerationResult again = pipeline.Generate(request);
        LoraKit.AssertIdentical(first.DecodedRaw, again.DecodedRaw, "base run after the adapter");
        Assert.Equal((1, 2), (cache.Hits, cache.Misses));
        adapter.Dispose();
        LoraKit.Dispose(pairs);
    }
}
