using Align.Models.Vae;
using Torch;

namespace Align.Tests.Models;

/// <summary>The VAEs of the reference models encode and decode as diffusers' AutoencoderKL does.</summary>
public class VaeTests
{
    [Theory]
    [InlineData("tiny-sd15")]
    [InlineData("tiny-sd21-v")]
    [InlineData("tiny-sdxl")]
    public void MatchesDiffusers(string model)
    {
        using var scope = torch.NewDisposeScope();
        using AutoencoderKL vae = AutoencoderKL.FromPretrained(Path.Combine(Reference.Model(model), "vae"));
        using SafetensorsFile refs = Reference.Open($"{model}.vae.safetensors");
        using var noGrad = Autograd.NoGrad();

        LatentDistribution posterior = vae.Encode(refs.Load("in.image"));
        Reference.AssertClose(refs.Load("encode.mean"), posterior.Mean, "encode mean");
        Reference.AssertClose(refs.Load("encode.logvar"), posterior.LogVar, "encode logvar");
        Reference.AssertClose(refs.Load("encode.std"), posterior.Std, "encode std");

        Tensor decoded = vae.Decode(refs.Load("in.latent"));
        Reference.AssertClose(refs.Load("decode.sample"), decoded, "decode");
        Reference.AssertClose(refs.Load("decode.sample.f64"), decoded, "decode vs float64");
    }

    [Fact]
    public void LegacyAttentionNamesLoad()
    {
        string source = Path.Combine(Reference.Model("tiny-sd15"), "vae");
        using var temp = new TempDirectory("vae");
        string dir = temp.Path;
        File.Copy(Path.Combine(source, "config.json"), Path.Combine(dir, "config.json"));
        using (var scope = torch.NewDisposeScope())
        {
            var weights = Safetensors.Load(Path.Combine(source, "diffusion_pytorch_model.safetensors"));
            var legacy = weights.ToDictionary(kv => kv.Key.Replace(".to_q.", ".query.").Replace(".to_k.", ".key.")
                .Replace(".to_v.", ".value.").Replace(".to_out.0.", ".proj_attn."), kv => kv.Value);
            Assert.Contains("encoder.mid_block.attentions.0.proj_attn.weight", legacy.Keys);
            Safetensors.Save(Path.Combine(dir, "diffusion_pytorch_model.safetensors"), legacy);
        }
        using var fresh = torch.NewDisposeScope();
        using AutoencoderKL vae = AutoencoderKL.FromPretrained(dir);
        using SafetensorsFile refs = Reference.Open("tiny-sd15.vae.safetensors");
        using var noGrad = Autograd.NoGrad();
        Reference.AssertClose(refs.Load("decode.sample"), vae.Decode(refs.Load("in.latent")), "decode with legacy names");
    }
}
