using Align.Models.Diffusers;
using Torch;

namespace Align.Tests.Models;

/// <summary>fp16 and bf16 checkpoints load (upcast to float32 on CPU) to exactly the weights a float32 checkpoint rounded to that precision gives.</summary>
public class HalfPrecisionWeightsTests
{
    [Theory]
    [InlineData(DType.Float16)]
    [InlineData(DType.BFloat16)]
    public void HalfCheckpointEqualsRoundedFloatCheckpoint(DType half)
    {
        using var scope = torch.NewDisposeScope();
        string source = Path.Combine(Reference.Model("tiny-sd15"), "unet");
        using var temp = new TempDirectory("unet-half");
        string dir = temp.Path;
        File.Copy(Path.Combine(source, "config.json"), Path.Combine(dir, "config.json"));
        var weights = Safetensors.Load(Path.Combine(source, "diffusion_pytorch_model.safetensors"));
        Safetensors.Save(Path.Combine(dir, "diffusion_pytorch_model.safetensors"), weights.ToDictionary(kv => kv.Key, kv => kv.Value.To(half)));
        using (SafetensorsFile written = Safetensors.Open(Path.Combine(dir, "diffusion_pytorch_model.safetensors")))
            Assert.All(written.Entries, e => Assert.Equal(half, e.DType));

        using UNet2DConditionModel fromHalf = UNet2DConditionModel.FromPretrained(dir);
        using UNet2DConditionModel rounded = UNet2DConditionModel.FromPretrained(source);
        using (Autograd.NoGrad())
            foreach (Tensor p in rounded.Parameters()) p.Copy_(p.To(half).To(DType.Float32));
        Assert.All(fromHalf.Parameters(), p => Assert.Equal(DType.Float32, p.DType));

        using SafetensorsFile refs = Reference.Open("tiny-sd15.unet.safetensors");
        using var noGrad = Autograd.NoGrad();
        Tensor sample = refs.Load("in.sample"), t = refs.Load("in.timestep"), context = refs.Load("in.encoder_hidden_states");
        Assert.Equal(rounded.Forward(sample, t, context).ToArray<float>(), fromHalf.Forward(sample, t, context).ToArray<float>());
    }
}
