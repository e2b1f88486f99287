using Align.Pipelines;
using Torch;

namespace Align.Tests.Models;

/// <summary>Prompt encoding (negative prompt, clip_skip, SDXL's two encoders and pooled output) matches diffusers' encode_prompt.</summary>
public class PromptEncoderTests
{
    private const string Prompt = "a photo of an astronaut riding a horse on mars";
    private const string Negative = "café crème brûlée, naïve façade, Ångström, Zürich";

    [Theory]
    [InlineData("tiny-sd15")]
    [InlineData("tiny-sd21-v")]
    [InlineData("tiny-sdxl")]
    public void MatchesDiffusers(string model)
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = StableDiffusionModel.Load(Reference.Model(model));
        using SafetensorsFile refs = Reference.Open($"{model}.text.safetensors");
        var runs = new (string Name, string? Negative, int? ClipSkip)[] { ("neg_none", null, null), ("neg_text", Negative, null), ("clip_skip1", null, 1) };
        foreach ((string name, string? negative, int? clipSkip) in runs)
        {
            if (!refs.Contains($"encode_prompt.{name}.prompt_embeds")) continue;
            using PromptEmbeddings e = sd.Prompts.Encode(Prompt, negative, guidance: true, clipSkip);
            Reference.AssertClose(refs.Load($"encode_prompt.{name}.prompt_embeds"), e.Conditional, $"{name} prompt_embeds");
            Reference.AssertClose(refs.Load($"encode_prompt.{name}.negative_prompt_embeds"), e.Unconditional!, $"{name} negative_prompt_embeds");
            if (refs.Contains($"encode_prompt.{name}.pooled_prompt_embeds"))
            {
                Reference.AssertClose(refs.Load($"encode_prompt.{name}.pooled_prompt_embeds"), e.Pooled!, $"{name} pooled");
                Reference.AssertClose(refs.Load($"encode_prompt.{name}.negative_pooled_prompt_embeds"), e.NegativePooled!, $"{name} negative pooled");
            }
        }
    }

    [Fact]
    public void MissingComponentIsNamed()
    {
        using var temp = new TempDirectory("sd");
        string dir = temp.Path;
        File.Copy(Path.Combine(Reference.Model("tiny-sd15"), "model_index.json"), Path.Combine(dir, "model_index.json"));
        Directory.CreateDirectory(Path.Combine(dir, "unet"));
        var e = Assert.Throws<Align.Models.ModelLoadException>(() => StableDiffusionModel.Load(dir));
        Assert.Contains("text_encoder", e.Message);
        Assert.Contains("vae", e.Message);
        Assert.DoesNotContain("unet", e.Message.Split(':')[^1]);
    }
}
