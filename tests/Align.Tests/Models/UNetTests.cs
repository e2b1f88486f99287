using Align.Models;
using Align.Models.Diffusers;
using Torch;

namespace Align.Tests.Models;

/// <summary>The UNets of the reference models (SD 1.x, SD 2.x v-prediction, SDXL) match diffusers, block by block.</summary>
public class UNetTests
{
    [Theory]
    [InlineData("tiny-sd15")]
    [InlineData("tiny-sd21-v")]
    [InlineData("tiny-sdxl")]
    public void MatchesDiffusers(string model)
    {
        using var scope = torch.NewDisposeScope();
        using UNet2DConditionModel unet = UNet2DConditionModel.FromPretrained(Path.Combine(Reference.Model(model), "unet"));
        using SafetensorsFile refs = Reference.Open($"{model}.unet.safetensors");
        using var noGrad = Autograd.NoGrad();

        Tensor sample = refs.Load("in.sample"), context = refs.Load("in.encoder_hidden_states");
        AddedConditions? added = refs.Contains("in.text_embeds") ? new AddedConditions(refs.Load("in.text_embeds"), refs.Load("in.time_ids")) : null;
        var activations = new Dictionary<string, Tensor>();
        Tensor output = unet.Forward(sample, refs.Load("in.timestep"), context, added, observe: (name, t) => activations[name] = t.Clone().DetachFromDisposeScope());

        foreach (string name in refs.Names.Where(n => n.StartsWith("act.", StringComparison.Ordinal)))
        {
            string stage = name["act.".Length..];
            Assert.True(activations.ContainsKey(stage), $"no activation observed for {stage}");
            Reference.AssertClose(refs.Load(name), activations[stage], $"{model} {stage}");
        }
        Reference.AssertClose(refs.Load("out.sample"), output, $"{model} output");
        Reference.AssertClose(refs.Load("out.sample.f64"), output, $"{model} output vs float64");

        string single = refs.Names.Single(n => n.StartsWith("out.sample_t", StringComparison.Ordinal));
        AddedConditions? addedOne = added is null ? null : new AddedConditions(added.TextEmbeds[..1], added.TimeIds[..1]);
        Tensor one = unet.Forward(sample[..1], refs.Load("in.timestep_scalar"), context[..1], addedOne);
        Reference.AssertClose(refs.Load(single), one, $"{model} single sample at a scalar timestep");
    }

    [Fact]
    public void UnsupportedConfigValuesAreListed()
    {
        using var temp = new TempDirectory("unet");
        string dir = temp.Path;
        string config = File.ReadAllText(Path.Combine(Reference.Model("tiny-sd15"), "unet", "config.json"))
            .Replace("\"CrossAttnDownBlock2D\"", "\"SimpleCrossAttnDownBlock2D\"")
            .Replace("\"resnet_time_scale_shift\": \"default\"", "\"resnet_time_scale_shift\": \"scale_shift\"");
        File.WriteAllText(Path.Combine(dir, "config.json"), config);
        var e = Assert.Throws<ModelLoadException>(() => UNet2DConditionConfig.Load(Path.Combine(dir, "config.json")));
        Assert.Contains("SimpleCrossAttnDownBlock2D", e.Message);
        Assert.Contains("resnet_time_scale_shift 'scale_shift'", e.Message);
    }
}
