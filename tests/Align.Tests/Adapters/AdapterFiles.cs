using System.Text.Json;
using Torch;

namespace Align.Tests.Adapters;

/// <summary>Writes test pairs in the layouts other tools write, with the Safetensors writer.</summary>
public static class AdapterFiles
{
    /// <summary>A PEFT directory for one component (as <c>PeftModel.save_pretrained</c> writes it): <c>base_model.model.PATH.lora_A.weight</c>.</summary>
    public static string Peft(string directory, IEnumerable<TestPair> pairs, int rank, double alpha, IReadOnlyDictionary<string, double>? alphaPattern = null)
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (TestPair p in pairs)
        {
            tensors[$"base_model.model.{p.Path}.lora_A.weight"] = p.A;
            tensors[$"base_model.model.{p.Path}.lora_B.weight"] = p.B;
        }
        var config = new Dictionary<string, object?>
        {
            ["peft_type"] = "LORA", ["r"] = rank, ["lora_alpha"] = alpha, ["target_modules"] = new[] { "to_q", "to_k", "to_v", "to_out.0" },
            ["alpha_pattern"] = alphaPattern ?? new Dictionary<string, double>(), ["rank_pattern"] = new Dictionary<string, int>(),
            ["lora_dropout"] = 0.0, ["bias"] = "none", ["use_rslora"] = false, ["use_dora"] = false,
        };
        File.WriteAllText(Path.Combine(directory, "adapter_config.json"), JsonSerializer.Serialize(config));
        Safetensors.Save(Path.Combine(directory, "adapter_model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        return directory;
    }

    /// <summary>diffusers' <c>save_lora_weights</c> layout: <c>unet.PATH.lora_A.weight</c>, <c>text_encoder.PATH.lora_B.weight</c>.</summary>
    public static string Diffusers(string file, IEnumerable<TestPair> pairs, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (TestPair p in pairs)
        {
            tensors[$"{p.Key}.lora_A.weight"] = p.A;
            tensors[$"{p.Key}.lora_B.weight"] = p.B;
        }
        Safetensors.Save(file, tensors, metadata);
        return file;
    }

    /// <summary>
    /// The older diffusers spellings: attention processors (<c>…attn1.processor.to_q_lora.down.weight</c>, and for the text
    /// encoder <c>…self_attn.to_q_lora.down.weight</c> meaning q_proj), <c>lora_linear_layer</c>, and <c>PATH.lora.down.weight</c>.
    /// </summary>
    public static string DiffusersOld(string file, IEnumerable<TestPair> pairs, IReadOnlyDictionary<string, string>? metadata)
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (TestPair p in pairs)
        {
            string stem = OldStem(p);
            tensors[$"{stem}.down.weight"] = p.A;
            tensors[$"{stem}.up.weight"] = p.B;
        }
        Safetensors.Save(file, tensors, metadata);
        return file;
    }

    private static string OldStem(TestPair p)
    {
        string[] unetProjections = ["to_q", "to_k", "to_v", "to_out.0"];
        int dot = p.Path.LastIndexOf('.');
        if (p.Component == "unet")
        {
            string? projection = unetProjections.FirstOrDefault(t => p.Path.EndsWith("." + t, StringComparison.Ordinal));
            if (projection is null) return $"{p.Key}.lora";
            string parent = p.Path[..^(projection.Length + 1)];
            return $"unet.{parent}.processor.{projection.Replace(".0", "")}_lora";
        }
        string? processorName = p.Path[(dot + 1)..] switch
        {
            "q_proj" => "to_q_lora",
            "k_proj" => "to_k_lora",
            "v_proj" => "to_v_lora",
            "out_proj" => "to_out_lora",
            _ => null,
        };
        return processorName is null ? $"{p.Key}.lora_linear_layer" : $"{p.Component}.{p.Path[..dot]}.{processorName}";
    }

    /// <summary>kohya's layout: <c>STEM.lora_down.weight</c>, <c>STEM.lora_up.weight</c>, <c>STEM.alpha</c> (a 0-d tensor).</summary>
    public static string Kohya(string file, IEnumerable<TestPair> pairs, Func<TestPair, string> stem, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (TestPair p in pairs)
        {
            string s = stem(p);
            tensors[$"{s}.lora_down.weight"] = p.A;
            tensors[$"{s}.lora_up.weight"] = p.B;
            tensors[$"{s}.alpha"] = torch.Scalar(p.Alpha);
        }
        Safetensors.Save(file, tensors, metadata ?? new Dictionary<string, string> { ["ss_network_module"] = "networks.lora" });
        return file;
    }

    /// <summary>kohya's stem for diffusers paths: <c>lora_unet_</c> / <c>lora_te_</c> + the path with '.' → '_'.</summary>
    public static string KohyaStem(TestPair p, bool xl) => p.Component switch
    {
        "unet" => "lora_unet_" + p.Path.Replace('.', '_'),
        "text_encoder" => (xl ? "lora_te1_" : "lora_te_") + p.Path.Replace('.', '_'),
        _ => "lora_te2_" + p.Path.Replace('.', '_'),
    };
}
