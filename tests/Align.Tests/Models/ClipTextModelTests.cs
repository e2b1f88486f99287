using Align.Models;
using Align.Models.Clip;
using Torch;

namespace Align.Tests.Models;

/// <summary>The CLIP text encoders of the reference models match transformers' outputs within the reference tolerance.</summary>
public class ClipTextModelTests
{
    [Theory]
    [InlineData("tiny-sd15", "text_encoder")]
    [InlineData("tiny-sd21-v", "text_encoder")]
    [InlineData("tiny-sdxl", "text_encoder")]
    [InlineData("tiny-sdxl", "text_encoder_2")]
    public void MatchesTransformers(string model, string component)
    {
        using var scope = torch.NewDisposeScope();
        using ClipTextModel encoder = ClipTextModel.FromPretrained(Path.Combine(Reference.Model(model), component));
        using SafetensorsFile refs = Reference.Open($"{model}.text.safetensors");
        string ids = component == "text_encoder_2" ? "in.input_ids_2" : "in.input_ids";

        using var noGrad = Autograd.NoGrad();
        ClipTextOutput output = encoder.Forward(refs.Load(ids));
        Reference.AssertClose(refs.Load($"{component}.last_hidden_state"), output.LastHiddenState, "last_hidden_state");
        Reference.AssertClose(refs.Load($"{component}.penultimate_hidden_state"), output.HiddenStates[^2], "penultimate hidden state");
        using (Tensor penultimateNormed = encoder.text_model.final_layer_norm.Forward(output.HiddenStates[^2]))
            Reference.AssertClose(refs.Load($"{component}.penultimate_final_ln"), penultimateNormed, "penultimate + final layer norm");
        for (int k = 0; k < output.HiddenStates.Count; k++)
            Reference.AssertClose(refs.Load($"{component}.hidden_states.{k}[:2]"), output.HiddenStates[k][..2], $"hidden_states[{k}]");
        if (refs.Contains($"{component}.pooler_output"))
            Reference.AssertClose(refs.Load($"{component}.pooler_output"), output.PooledOutput, "pooler_output");
        if (refs.Contains($"{component}.text_embeds"))
            Reference.AssertClose(refs.Load($"{component}.text_embeds"), output.TextEmbeds!, "text_embeds");
    }

    [Fact]
    public void ReadsTheTextTowerOfAWholeClipModelDirectoryAsTransformersDoes()
    {
        // transformers' CLIPTextModel.from_pretrained on a CLIPModel checkpoint: its text_config, and of its weights the
        // text tower's (the vision tower, the projections and the temperature are left unread)
        using var scope = torch.NewDisposeScope();
        string dir = Reference.Model("tiny-clip-reward");
        Assert.Contains("vision_config", File.ReadAllText(Path.Combine(dir, "config.json")));
        using ClipTextModel encoder = ClipTextModel.FromPretrained(dir);
        Assert.Null(encoder.text_projection);
        Assert.DoesNotContain(encoder.StateDict(), kv => !kv.Key.StartsWith("text_model.", StringComparison.Ordinal));
        using SafetensorsFile refs = Reference.Open("tiny-clip-reward.safetensors");
        using var noGrad = Autograd.NoGrad();
        (Tensor last, _, _) = encoder.text_model.Forward(refs.Load("text.input_ids"), refs.Load("text.attention_mask"));
        Reference.AssertClose(refs.Load("text.last_hidden_state"), last, "text last_hidden_state");

        // saved, it is a text-encoder directory, which reads back to the same weights
        using var temp = new TempDirectory("te");
        string saved = temp.Path;
        encoder.SavePretrained(saved);
        Assert.DoesNotContain("vision_config", File.ReadAllText(Path.Combine(saved, "config.json")));
        using ClipTextModel reloaded = ClipTextModel.FromPretrained(saved);
        (Tensor again, _, _) = reloaded.text_model.Forward(refs.Load("text.input_ids"), refs.Load("text.attention_mask"));
        Assert.Equal(last.ToArray<float>(), again.ToArray<float>());
    }

    [Fact]
    public void RenamedWeightIsNamedInTheError()
    {
        using var temp = new TempDirectory("te");
        string dir = temp.Path;
        string source = Path.Combine(Reference.Model("tiny-sd15"), "text_encoder");
        File.Copy(Path.Combine(source, "config.json"), Path.Combine(dir, "config.json"));
        using (var scope = torch.NewDisposeScope())
        {
            var weights = Safetensors.Load(Path.Combine(source, "model.safetensors"));
            weights["text_model.final_layer_norm.gamma"] = weights["text_model.final_layer_norm.weight"];
            weights.Remove("text_model.final_layer_norm.weight");
            weights["text_model.encoder.layers.0.mlp.fc1.bias"] = torch.Zeros([3]);
            Safetensors.Save(Path.Combine(dir, "model.safetensors"), weights);
        }
        var e = Assert.Throws<ModelLoadException>(() => ClipTextModel.FromPretrained(dir));
        Assert.Contains("missing: text_model.final_layer_norm.weight", e.Message);
        Assert.Contains("unexpected: text_model.final_layer_norm.gamma", e.Message);
        Assert.Contains("text_model.encoder.layers.0.mlp.fc1.bias expected [37] got [3]", e.Message);
        Assert.Contains(dir, e.Message);
    }

    [Fact]
    public void MissingWeightsFileIsNamed()
    {
        using var temp = new TempDirectory("te");
        string dir = temp.Path;
        File.Copy(Path.Combine(Reference.Model("tiny-sd15"), "text_encoder", "config.json"), Path.Combine(dir, "config.json"));
        var e = Assert.Throws<ModelLoadException>(() => ClipTextModel.FromPretrained(dir));
        Assert.Contains("model.safetensors", e.Message);
    }
}
