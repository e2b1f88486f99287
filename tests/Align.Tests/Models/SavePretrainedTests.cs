using System.Text.Json;
using Align.Models.Clip;
using Align.Models.Diffusers;
using Align.Models.Vae;
using Torch;

namespace Align.Tests.Models;

/// <summary>Components written by SavePretrained read back (config and weights) to identical outputs, in the layouts diffusers/transformers use.</summary>
public class SavePretrainedTests
{
    [Fact]
    public void UNetAndVaeRoundTrip()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = Autograd.NoGrad();
        using var temp = new TempDirectory("save");
        string dir = temp.Path;
        using SafetensorsFile refs = Reference.Open("tiny-sdxl.unet.safetensors");
        using (UNet2DConditionModel unet = UNet2DConditionModel.FromPretrained(Path.Combine(Reference.Model("tiny-sdxl"), "unet")))
        {
            unet.SavePretrained(Path.Combine(dir, "unet"));
            using UNet2DConditionModel back = UNet2DConditionModel.FromPretrained(Path.Combine(dir, "unet"));
            var added = new AddedConditions(refs.Load("in.text_embeds"), refs.Load("in.time_ids"));
            Tensor a = unet.Forward(refs.Load("in.sample"), refs.Load("in.timestep"), refs.Load("in.encoder_hidden_states"), added);
            Tensor b = back.Forward(refs.Load("in.sample"), refs.Load("in.timestep"), refs.Load("in.encoder_hidden_states"), added);
            Assert.Equal(a.ToArray<float>(), b.ToArray<float>());
        }
        using JsonDocument config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "unet", "config.json")));
        Assert.Equal("UNet2DConditionModel", config.RootElement.GetProperty("_class_name").GetString());
        Assert.Equal("text_time", config.RootElement.GetProperty("addition_embed_type").GetString());
        Assert.False(config.RootElement.TryGetProperty("source", out _));
        Assert.False(config.RootElement.TryGetProperty("heads_per_block", out _));

        using (AutoencoderKL vae = AutoencoderKL.FromPretrained(Path.Combine(Reference.Model("tiny-sd15"), "vae")))
        {
            vae.SavePretrained(Path.Combine(dir, "vae"), DType.Float16);
            using AutoencoderKL back = AutoencoderKL.FromPretrained(Path.Combine(dir, "vae"));
            using SafetensorsFile written = Safetensors.Open(Path.Combine(dir, "vae", "diffusion_pytorch_model.safetensors"));
            Assert.All(written.Entries, e => Assert.Equal(DType.Float16, e.DType));
            Tensor latent = torch.Randn([1, 4, 8, 8], new Generator(3));
            Reference.AssertClose(vae.Decode(latent), back.Decode(latent), "decode after an fp16 round trip", rtol: 5e-2);
        }
    }

    [Fact]
    public void ClipModelsRoundTrip()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = Autograd.NoGrad();
        using var temp = new TempDirectory("save");
        string dir = temp.Path;
        Tensor ids = Tensor.FromArray(new long[] { 998, 320, 500, 999, 999 }, 1, 5);
        using (ClipModel clip = ClipModel.FromPretrained(Reference.Model("tiny-clip-reward")))
        {
            clip.SavePretrained(Path.Combine(dir, "clip"));
            using ClipModel back = ClipModel.FromPretrained(Path.Combine(dir, "clip"));
            Tensor pixels = torch.Randn([1, 3, 32, 32], new Generator(1));
            Assert.Equal(clip.ImageFeatures(pixels).ToArray<float>(), back.ImageFeatures(pixels).ToArray<float>());
            Assert.Equal(clip.TextFeatures(ids).ToArray<float>(), back.TextFeatures(ids).ToArray<float>());
        }
        using (ClipTextModel te = ClipTextModel.FromPretrained(Path.Combine(Reference.Model("tiny-sdxl"), "text_encoder_2")))
        {
            te.SavePretrained(Path.Combine(dir, "te2"));
            using ClipTextModel back = ClipTextModel.FromPretrained(Path.Combine(dir, "te2"));
            Assert.NotNull(back.text_projection);
            Assert.Equal(te.Forward(ids).TextEmbeds!.ToArray<float>(), back.Forward(ids).TextEmbeds!.ToArray<float>());
        }
    }
}
