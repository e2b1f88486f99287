using System.Text.Json;
using Align.Adapters;
using Align.Pipelines;
using Torch;

namespace Align.Tests.Adapters;

/// <summary>Adapters written as PEFT/diffusers directories read back identical, in the layout those tools write.</summary>
public class AdapterWriterTests
{
    [Fact]
    public void WriteThenReadGivesIdenticalTensorsAlphasAndMetadata()
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = LoraKit.Load("tiny-sdxl");
        using var g = new Generator(41);
        int n = 0;
        var pairs = LoraKit.RandomPairs(sd, "unet", [.. LoraConfig.UNetAttention, .. LoraConfig.UNetResnetConvs], 4, g, _ => n++ % 4 == 0 ? 2.5 : 8.0);
        pairs.AddRange(LoraKit.RandomPairs(sd, "text_encoder", LoraConfig.TextEncoderAttention, 2, g, _ => 1.0));
        pairs.AddRange(LoraKit.RandomPairs(sd, "text_encoder_2", LoraConfig.TextEncoderMlp, 4, g, _ => 8.0));
        var metadata = new Dictionary<string, string>
        {
            [AdapterMetadata.Method] = "dpo",
            [AdapterMetadata.BaseModel] = "tiny-sdxl",
            [AdapterMetadata.BaseModelSha256] = AdapterMetadata.HashBaseModel(Reference.Model("tiny-sdxl")),
            [AdapterMetadata.TrainingData] = "ShapeWorld train split, 1000 pairs (“two objects”)",
            [AdapterMetadata.HyperParameters] = "{\"learning_rate\": 0.0001, \"steps\": 500, \"beta\": 5000}",
            [AdapterMetadata.Metrics] = "{\"verifier_accuracy\": 0.42}",
        };
        using var written = new LoraAdapter("dpo-shapes",
            pairs.Select(p => new KeyValuePair<string, LoraLayer>(p.Key, new LoraLayer(p.A.Clone(), p.B.Clone(), p.Alpha, dropout: 0.1))), metadata);
        using TempDirectory temp = LoraKit.TempDir("roundtrip");
        string dir = Path.Combine(temp.Path, "dpo-shapes");
        written.Save(dir);

        using LoraAdapter read = sd.Adapters.Load(dir);
        Assert.Equal("dpo-shapes", read.Name);
        Assert.Equal(metadata, read.Metadata);
        Assert.Equal(written.Layers.Keys.Order(StringComparer.Ordinal), read.Layers.Keys.Order(StringComparer.Ordinal));
        foreach ((string key, LoraLayer expected) in written.Layers)
        {
            LoraLayer actual = read.Layers[key];
            Assert.True(expected.A.ToArray<float>().AsSpan().SequenceEqual(actual.A.ToArray<float>()), $"{key} A");
            Assert.True(expected.B.ToArray<float>().AsSpan().SequenceEqual(actual.B.ToArray<float>()), $"{key} B");
            Assert.Equal(expected.A.Shape, actual.A.Shape);
            Assert.Equal((expected.Rank, expected.Alpha, expected.Dropout), (actual.Rank, actual.Alpha, actual.Dropout));
        }

        // The weights file alone (as diffusers' load_lora_weights would take it) reads the same.
        using LoraAdapter fromFile = sd.Adapters.Load(Path.Combine(dir, "adapter_model.safetensors"), "same");
        Assert.Equal(written.Layers.Select(l => (l.Key, l.Value.Alpha)).Order(), fromFile.Layers.Select(l => (l.Key, l.Value.Alpha)).Order());
        LoraKit.Dispose(pairs);
    }

    [Fact]
    public void WrittenFilesUsePeftAndDiffusersLayout()
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = LoraKit.Load("tiny-sd15");
        using LoraAdapter adapter = sd.Adapters.CreateTrainable("layout", new LoraConfig
        {
            Rank = 4,
            Alpha = 8,
            Targets = new Dictionary<string, IReadOnlyList<string>> { ["unet"] = LoraConfig.UNetAttention, ["text_encoder"] = LoraConfig.TextEncoderMlp },
        }, new Generator(3));
        adapter.Metadata[AdapterMetadata.BaseModel] = "tiny-sd15";
        using TempDirectory temp = LoraKit.TempDir("layout");
        string dir = temp.Path;
        adapter.Save(dir);

        using JsonDocument config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "adapter_config.json")));
        JsonElement c = config.RootElement;
        Assert.Equal("LORA", c.GetProperty("peft_type").GetString());
        Assert.Equal(4, c.GetProperty("r").GetInt32());
        Assert.Equal(8.0, c.GetProperty("lora_alpha").GetDouble());
        Assert.Equal("tiny-sd15", c.GetProperty("base_model_name_or_path").GetString());
        Assert.Equal("tiny-sd15", c.GetProperty("adapter_metadata").GetProperty("base_model").GetString());
        var targets = c.GetProperty("target_modules").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Contains("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q", targets);
        Assert.Contains("text_model.encoder.layers.0.mlp.fc1", targets);

        using SafetensorsFile weights = Safetensors.Open(Path.Combine(dir, "adapter_model.safetensors"));
        Assert.Contains("unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0.lora_A.weight", weights.Names);
        Assert.Contains("text_encoder.text_model.encoder.layers.0.mlp.fc2.lora_B.weight", weights.Names);
        Assert.Equal(adapter.Layers.Count * 2, weights.Names.Count);
        Assert.Equal("pt", weights.Metadata["format"]);
        Assert.Equal("tiny-sd15", weights.Metadata[AdapterMetadata.BaseModel]);
        using JsonDocument packed = JsonDocument.Parse(weights.Metadata["lora_adapter_metadata"]);
        Assert.Equal(4, packed.RootElement.GetProperty("unet.r").GetInt32());
        Assert.Equal(8.0, packed.RootElement.GetProperty("text_encoder.lora_alpha").GetDouble());
    }

    [Fact]
    public void BaseModelHashFollowsTheWeightFiles()
    {
        string sd15 = AdapterMetadata.HashBaseModel(Reference.Model("tiny-sd15"));
        Assert.Matches("^[0-9a-f]{64}$", sd15);
        Assert.Equal(sd15, AdapterMetadata.HashBaseModel(Reference.Model("tiny-sd15")));
        Assert.NotEqual(sd15, AdapterMetadata.HashBaseModel(Reference.Model("tiny-sdxl")));

        using TempDirectory temp = LoraKit.TempDir("hash");
        string copy = temp.Path;
        foreach (string file in Directory.GetFiles(Reference.Model("tiny-sd15"), "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(copy, Path.GetRelativePath(Reference.Model("tiny-sd15"), file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        Assert.Equal(sd15, AdapterMetadata.HashBaseModel(copy));
        string vae = Path.Combine(copy, "vae", "diffusion_pytorch_model.safetensors");
        File.SetAttributes(vae, FileAttributes.Normal);
        byte[] bytes = File.ReadAllBytes(vae);
        bytes[^1] ^= 1;
        File.WriteAllBytes(vae, bytes);
        Assert.NotEqual(sd15, AdapterMetadata.HashBaseModel(copy));
    }
}
