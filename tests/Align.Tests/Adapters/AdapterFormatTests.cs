using Align.Adapters;
using Align.Pipelines;
using Torch;

namespace Align.Tests.Adapters;

/// <summary>
/// Each format people share, written here with the Safetensors writer from random pairs, read by <see cref="ModelAdapters.Load"/>
/// and applied unfused, gives the UNet output and prompt embeddings of a copy of the model whose weights were merged by hand.
/// </summary>
public class AdapterFormatTests
{
    private const int Rank = 4;

    [Theory]
    [InlineData("tiny-sd15")]
    [InlineData("tiny-sdxl")]
    public void PeftDirectoryWithAlphaPattern(string model)
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = LoraKit.Load(model), merged = LoraKit.Load(model);
        using var g = new Generator(11);
        var pairs = LoraKit.RandomPairs(sd, "unet", LoraConfig.UNetAttention, Rank, g, path => path.EndsWith(".to_k", StringComparison.Ordinal) ? 3.0 : 6.0);
        using TempDirectory temp = LoraKit.TempDir("peft");
        string dir = AdapterFiles.Peft(temp.Path, pairs, Rank, 6.0, new Dictionary<string, double> { ["to_k"] = 3.0 });
        AssertMatchesHandMerge(model, sd, merged, dir, pairs, weight: 0.8);
    }

    [Theory]
    [InlineData("tiny-sd15")]
    [InlineData("tiny-sdxl")]
    public void DiffusersLoraAAndBWithTextEncodersAndConvs(string model)
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = LoraKit.Load(model), merged = LoraKit.Load(model);
        using var g = new Generator(12);
        string[] unetTargets = [.. LoraConfig.UNetAttention, .. LoraConfig.UNetFeedForward, .. LoraConfig.UNetResnetConvs, "proj_in"];
        string[] textTargets = [.. LoraConfig.TextEncoderAttention, .. LoraConfig.TextEncoderMlp];
        var pairs = LoraKit.RandomPairs(sd, "unet", unetTargets, Rank, g);
        foreach (string encoder in TextEncoders(sd)) pairs.AddRange(LoraKit.RandomPairs(sd, encoder, textTargets, Rank, g));
        using TempDirectory temp = LoraKit.TempDir("diffusers");
        string file = AdapterFiles.Diffusers(Path.Combine(temp.Path, "pytorch_lora_weights.safetensors"), pairs);
        AssertMatchesHandMerge(model, sd, merged, Path.GetDirectoryName(file)!, pairs, weight: 1.0);
    }

    [Theory]
    [InlineData("tiny-sd15")]
    [InlineData("tiny-sdxl")]
    public void DiffusersOldSpellingsWithAlphaFromHeaderMetadata(string model)
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = LoraKit.Load(model), merged = LoraKit.Load(model);
        using var g = new Generator(13);
        var alphas = new Dictionary<string, double> { ["unet"] = 2.0, ["text_encoder"] = 8.0, ["text_encoder_2"] = 5.0 };
        var pairs = LoraKit.RandomPairs(sd, "unet", [.. LoraConfig.UNetAttention, .. LoraConfig.UNetFeedForward], Rank, g, _ => alphas["unet"]);
        foreach (string encoder in TextEncoders(sd))
            pairs.AddRange(LoraKit.RandomPairs(sd, encoder, [.. LoraConfig.TextEncoderAttention, .. LoraConfig.TextEncoderMlp], Rank, g, _ => alphas[encoder]));
        string packed = System.Text.Json.JsonSerializer.Serialize(alphas.SelectMany(a => new Dictionary<string, object>
        {
            [$"{a.Key}.r"] = Rank, [$"{a.Key}.lora_alpha"] = a.Value, [$"{a.Key}.target_modules"] = new[] { "to_q" },
        }).ToDictionary());
        using TempDirectory temp = LoraKit.TempDir("old");
        string file = AdapterFiles.DiffusersOld(Path.Combine(temp.Path, "old_style.safetensors"), pairs,
            new Dictionary<string, string> { ["format"] = "pt", ["lora_adapter_metadata"] = packed });
        Assert.Contains(Safetensors.Open(file).Names, n => n.Contains(".processor.to_out_lora.up.weight", StringComparison.Ordinal));
        AssertMatchesHandMerge(model, sd, merged, file, pairs, weight: 0.6);
    }

    [Theory]
    [InlineData("tiny-sd15")]
    [InlineData("tiny-sdxl")]
    public void KohyaWithDiffusersStyleNamesAndPerLayerAlpha(string model)
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = LoraKit.Load(model), merged = LoraKit.Load(model);
        using var g = new Generator(14);
        int n = 0;
        double NextAlpha(string _) => 1.0 + n++ % 5;
        var pairs = LoraKit.RandomPairs(sd, "unet", null, Rank, g, NextAlpha);
        foreach (string encoder in TextEncoders(sd))
            pairs.AddRange(LoraKit.RandomPairs(sd, encoder, [.. LoraConfig.TextEncoderAttention, .. LoraConfig.TextEncoderMlp], Rank, g, NextAlpha));
        using TempDirectory temp = LoraKit.TempDir("kohya");
        string file = AdapterFiles.Kohya(Path.Combine(temp.Path, "kohya.safetensors"), pairs, p => AdapterFiles.KohyaStem(p, sd.IsXL));
        AssertMatchesHandMerge(model, sd, merged, file, pairs, weight: 0.7);
    }

    [Theory]
    [InlineData("tiny-sd15")]
    [InlineData("tiny-sdxl")]
    public void KohyaWithOriginalLdmBlockNames(string model)
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = LoraKit.Load(model), merged = LoraKit.Load(model);
        using var g = new Generator(15);
        int n = 0;
        var pairs = LoraKit.RandomPairs(sd, "unet", null, Rank, g, _ => 2.0 + n++ % 3);
        foreach (string encoder in TextEncoders(sd))
            pairs.AddRange(LoraKit.RandomPairs(sd, encoder, LoraConfig.TextEncoderAttention, Rank, g));
        using TempDirectory temp = LoraKit.TempDir("ldm");
        string file = AdapterFiles.Kohya(Path.Combine(temp.Path, "ldm.safetensors"), pairs,
            p => p.Component == "unet" ? LdmNames.KohyaStem(model, p.Path) : AdapterFiles.KohyaStem(p, sd.IsXL));
        using (SafetensorsFile written = Safetensors.Open(file))
        {
            Assert.Contains(written.Names, k => k.StartsWith("lora_unet_input_blocks_", StringComparison.Ordinal));
            Assert.Contains(written.Names, k => k.StartsWith("lora_unet_output_blocks_", StringComparison.Ordinal));
            Assert.DoesNotContain(written.Names, k => k.StartsWith("lora_unet_down_blocks", StringComparison.Ordinal));
        }
        AssertMatchesHandMerge(model, sd, merged, file, pairs, weight: 1.0);
    }

    [Fact]
    public void HalfPrecisionKohyaFileLoadsIntoTheModelsPrecision()
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = LoraKit.Load("tiny-sd15"), merged = LoraKit.Load("tiny-sd15");
        using var g = new Generator(16);
        var pairs = LoraKit.RandomPairs(sd, "unet", LoraConfig.UNetAttention, Rank, g, _ => 4.0)
            .Select(p => p with { A = p.A.Half().Float(), B = p.B.Half().Float() }).ToList();
        var halves = pairs.Select(p => p with { A = p.A.Half(), B = p.B.Half() });
        using TempDirectory temp = LoraKit.TempDir("half");
        string file = AdapterFiles.Kohya(Path.Combine(temp.Path, "half.safetensors"), halves, p => AdapterFiles.KohyaStem(p, false));
        using LoraAdapter adapter = sd.Adapters.Load(file);
        Assert.All(adapter.Layers.Values, l => Assert.Equal(DType.Float32, l.A.DType));
        AssertMatchesHandMerge("tiny-sd15", sd, merged, file, pairs, weight: 1.0);
    }

    private static IEnumerable<string> TextEncoders(StableDiffusionModel sd) => sd.IsXL ? ["text_encoder", "text_encoder_2"] : ["text_encoder"];

    /// <summary>
    /// Applies the adapter at <paramref name="path"/> at <paramref name="weight"/>: the components it targets match the
    /// hand-merged copy and differ from the base, the others stay bit-identical; after the scope the base is back bit for bit.
    /// </summary>
    internal static void AssertMatchesHandMerge(string model, StableDiffusionModel sd, StableDiffusionModel merged, string path,
        List<TestPair> pairs, double weight)
    {
        using LoraAdapter adapter = sd.Adapters.Load(path);
        Assert.Equal(pairs.Select(p => p.Key).Order(StringComparer.Ordinal), adapter.Layers.Keys.Order(StringComparer.Ordinal));
        Tensor baseUNet = LoraKit.UNetOutput(sd, model), baseText = LoraKit.TextOutput(sd);
        Tensor unet, text;
        using (sd.Adapters.Activate([(adapter, weight)]))
        {
            unet = LoraKit.UNetOutput(sd, model);
            text = LoraKit.TextOutput(sd);
        }
        LoraKit.MergeByHand(merged, pairs, weight);
        if (pairs.Any(p => p.Component == "unet"))
        {
            LoraKit.AssertChanged(baseUNet, unet, "UNet");
            LoraKit.AssertClose(LoraKit.UNetOutput(merged, model), unet, $"{model} UNet with the adapter vs hand-merged");
        }
        else LoraKit.AssertIdentical(baseUNet, unet, "UNet untouched by a text-encoder adapter");
        if (pairs.Any(p => p.Component != "unet"))
        {
            LoraKit.AssertChanged(baseText, text, "prompt embeddings");
            LoraKit.AssertClose(LoraKit.TextOutput(merged), text, $"{model} prompt embeddings with the adapter vs hand-merged");
        }
        else LoraKit.AssertIdentical(baseText, text, "prompt embeddings untouched by a UNet adapter");
        LoraKit.AssertIdentical(baseUNet, LoraKit.UNetOutput(sd, model), "UNet after the scope");
        LoraKit.AssertIdentical(baseText, LoraKit.TextOutput(sd), "prompt embeddings after the scope");
        LoraKit.Dispose(pairs);
    }
}
