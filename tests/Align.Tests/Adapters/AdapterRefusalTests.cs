using Align.Adapters;
using Align.Pipelines;
using Torch;

namespace Align.Tests.Adapters;

/// <summary>Adapters that do not fit the model, and files that are not adapters, are refused with messages that name what is wrong.</summary>
public class AdapterRefusalTests
{
    [Fact]
    public void UnknownLayersWrongShapesAndRankMismatchesAreNamed()
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = LoraKit.Load("tiny-sd15");
        using var g = new Generator(31);
        var pairs = LoraKit.RandomPairs(sd, "unet", ["to_q"], 4, g);
        TestPair good = pairs[0], wrongShape = pairs[1], rankMismatch = pairs[2];
        var tensors = new Dictionary<string, Tensor>
        {
            [$"{good.Key}.lora_A.weight"] = good.A,
            [$"{good.Key}.lora_B.weight"] = good.B,
            ["unet.down_blocks.7.attentions.0.proj_in.lora_A.weight"] = good.A,
            ["unet.down_blocks.7.attentions.0.proj_in.lora_B.weight"] = good.B,
            [$"{wrongShape.Key}.lora_A.weight"] = torch.Randn([4, wrongShape.A.Size(1) + 3], g),
            [$"{wrongShape.Key}.lora_B.weight"] = wrongShape.B,
            [$"{rankMismatch.Key}.lora_A.weight"] = rankMismatch.A,
            [$"{rankMismatch.Key}.lora_B.weight"] = torch.Randn([rankMismatch.B.Size(0), 3], g),
            ["unet.conv_in.lora_magnitude_vector"] = torch.Randn([16], g),
        };
        using TempDirectory temp = LoraKit.TempDir("bad");
        string file = Path.Combine(temp.Path, "bad.safetensors");
        Safetensors.Save(file, tensors);

        var e = Assert.Throws<AdapterMismatchException>(() => sd.Adapters.Load(file));
        Assert.Contains("4 offending keys", e.Message);
        Assert.Contains("'unet.down_blocks.7.attentions.0.proj_in.lora_A.weight'", e.Message);
        Assert.Contains($"'{wrongShape.Key}.lora_A.weight'", e.Message);
        Assert.Contains("do not fit", e.Message);
        Assert.Contains($"'{rankMismatch.Key}.lora_A.weight'", e.Message);
        Assert.Contains("rank mismatch", e.Message);
        Assert.Contains("'unet.conv_in.lora_magnitude_vector'", e.Message);
        Assert.DoesNotContain(good.Key, e.Message);
        LoraKit.Dispose(pairs);
    }

    [Fact]
    public void ManyProblemsAreCountedAndAFewNamed()
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = LoraKit.Load("tiny-sd15");
        var tensors = new Dictionary<string, Tensor>();
        for (int i = 0; i < 12; i++)
        {
            tensors[$"lora_unet_no_such_block_{i}_to_q.lora_down.weight"] = torch.Zeros([2, 8]);
            tensors[$"lora_unet_no_such_block_{i}_to_q.lora_up.weight"] = torch.Zeros([8, 2]);
        }
        using TempDirectory temp = LoraKit.TempDir("many");
        string file = Path.Combine(temp.Path, "many.safetensors");
        Safetensors.Save(file, tensors);
        var e = Assert.Throws<AdapterMismatchException>(() => sd.Adapters.Load(file));
        Assert.Equal(24, e.Problems.Count);
        Assert.Contains("24 offending keys", e.Message);
        Assert.Contains("and 19 more", e.Message);
        Assert.Contains("lora_unet_no_such_block_0_to_q.lora_down.weight", e.Message);
        Assert.Contains("no Linear or Conv2d layer of unet has this name", e.Message);
    }

    [Fact]
    public void AnAdapterForAnotherModelIsRefused()
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd15 = LoraKit.Load("tiny-sd15"), sdxl = LoraKit.Load("tiny-sdxl");
        using LoraAdapter adapter = sd15.Adapters.CreateTrainable("sd15", new LoraConfig
        {
            Targets = new Dictionary<string, IReadOnlyList<string>> { ["unet"] = LoraConfig.UNetAttention, ["text_encoder"] = ["q_proj"] },
        });
        var e = Assert.Throws<AdapterMismatchException>(() => sdxl.Adapters.Activate(adapter));
        Assert.Contains("offending keys", e.Message);
        Assert.Contains("unet.down_blocks.0.attentions.0", e.Message);
        Assert.Empty(sdxl.Adapters.Active);

        using TempDirectory temp = LoraKit.TempDir("other");
        string dir = temp.Path;
        adapter.Save(dir);
        Assert.Throws<AdapterMismatchException>(() => sdxl.Adapters.Load(dir));
    }

    [Fact]
    public void FilesThatAreNotReadableAdaptersAreRefusedClearly()
    {
        using StableDiffusionModel sd = LoraKit.Load("tiny-sd15");
        using TempDirectory temp = LoraKit.TempDir("unreadable");
        string dir = temp.Path;

        string garbage = Path.Combine(dir, "garbage.safetensors");
        File.WriteAllBytes(garbage, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        var e = Assert.Throws<AdapterLoadException>(() => sd.Adapters.Load(garbage));
        Assert.Contains("safetensors", e.Message);
        Assert.Contains("garbage", e.Message);

        string pickle = Path.Combine(dir, "adapter.bin");
        File.WriteAllBytes(pickle, [0x80, 0x02]);
        Assert.Contains("pickle", Assert.Throws<AdapterLoadException>(() => sd.Adapters.Load(pickle)).Message);

        string peftWithoutWeights = Directory.CreateDirectory(Path.Combine(dir, "peft")).FullName;
        File.WriteAllText(Path.Combine(peftWithoutWeights, "adapter_config.json"), "{\"r\": 4}");
        File.WriteAllBytes(Path.Combine(peftWithoutWeights, "adapter_model.bin"), [0x80]);
        string message = Assert.Throws<AdapterLoadException>(() => sd.Adapters.Load(peftWithoutWeights)).Message;
        Assert.Contains("adapter_model.safetensors", message);
        Assert.Contains("pickle", message);

        Assert.Contains("no such file", Assert.Throws<AdapterLoadException>(() => sd.Adapters.Load(Path.Combine(dir, "missing"))).Message);

        string dora = Directory.CreateDirectory(Path.Combine(dir, "dora")).FullName;
        File.WriteAllText(Path.Combine(dora, "adapter_config.json"), "{\"r\": 4, \"use_dora\": true}");
        Safetensors.Save(Path.Combine(dora, "adapter_model.safetensors"), new Dictionary<string, Tensor> { ["x.lora_A.weight"] = torch.Zeros([1]) });
        Assert.Contains("DoRA", Assert.Throws<AdapterLoadException>(() => sd.Adapters.Load(dora)).Message);
    }
}
