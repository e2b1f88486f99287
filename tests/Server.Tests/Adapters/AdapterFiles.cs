using Align.Adapters;
using Align.Adapters.Store;
using Align.Pipelines;
using Server.Models;
using Torch;

namespace Server.Tests.Adapters;

/// <summary>Random LoRA adapters for the embedded ShapeWorld model, written in PEFT/diffusers format and published to a store.</summary>
public static class AdapterFiles
{
    /// <summary>Writes an adapter on the UNet's attention whose B is random (a fresh one is zero, a no-op), strong enough to change images.</summary>
    public static string Write(string directory, ulong seed, double strength = 0.5)
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel model = StableDiffusionModel.Load(Path.Combine(EmbeddedModel.Locate(), "model"), Device.CPU, DType.Float32);
        using var generator = new Generator(seed);
        using LoraAdapter adapter = model.Adapters.CreateTrainable($"random-{seed}", new LoraConfig { Rank = 4, Alpha = 4 }, generator);
        using (Autograd.NoGrad())
            foreach (LoraLayer layer in adapter.Layers.Values) layer.B.Normal_(0, strength, generator);
        adapter.Metadata[AdapterMetadata.Method] = "test";
        adapter.Metadata[AdapterMetadata.TrainingData] = $"none: B drawn from N(0, {strength}²) with seed {seed}";
        adapter.Save(directory);
        return directory;
    }

    public static AdapterVersion Publish(string store, string name, ulong seed, double strength = 0.5)
    {
        string source = Path.Combine(Path.GetTempPath(), $"adapter-{Guid.NewGuid():N}");
        try
        {
            Write(source, seed, strength);
            return new AdapterStore(store).Publish(name, source, new Dictionary<string, string> { ["method"] = "test", ["seed"] = seed.ToString() });
        }
        finally
        {
            Directory.Delete(source, true);
        }
    }
}
