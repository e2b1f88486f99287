namespace Align.Adapters.Formats;

/// <summary>
/// Keys as PEFT and diffusers write them: <c>[base_model.model.][unet.|text_encoder.|text_encoder_2.]PATH.lora_A.weight</c>
/// / <c>.lora_B.weight</c>, the older <c>PATH.lora.down.weight</c> / <c>.lora.up.weight</c> and
/// <c>.lora_linear_layer.down.weight</c>, the attention-processor form (<c>…attn1.processor.to_q_lora.down.weight</c>,
/// which names the UNet's <c>to_q</c>/<c>to_out.0</c> or the text encoder's <c>q_proj</c>/<c>out_proj</c>), and
/// <c>PATH.alpha</c>. Keys without a component belong to the one component that has the path.
/// </summary>
internal static class DiffusersKeys
{
    private const string PeftPrefix = "base_model.model.";

    private static readonly (string Suffix, LoraPart Part)[] Suffixes =
    [
        (".lora_A.weight", LoraPart.Down), (".lora_B.weight", LoraPart.Up),
        (".lora.down.weight", LoraPart.Down), (".lora.up.weight", LoraPart.Up),
        (".lora_linear_layer.down.weight", LoraPart.Down), (".lora_linear_layer.up.weight", LoraPart.Up),
        ("_lora.down.weight", LoraPart.Down), ("_lora.up.weight", LoraPart.Up),
        (".alpha", LoraPart.Alpha),
    ];

    private static readonly string[] ComponentPrefixes = [AdapterKeys.TextEncoder2, AdapterKeys.TextEncoder, AdapterKeys.UNet];

    /// <summary>The key's layer and part, or null when the key is of no LoRA form.</summary>
    public static LoraKey? Parse(string name, ModelAdapters model)
    {
        string key = name.StartsWith(PeftPrefix, StringComparison.Ordinal) ? name[PeftPrefix.Length..] : name;
        (string Suffix, LoraPart Part) match = Suffixes.FirstOrDefault(s => key.EndsWith(s.Suffix, StringComparison.Ordinal));
        if (match.Suffix is null) return null;
        string stem = key[..^match.Suffix.Length];
        bool processorForm = match.Suffix.StartsWith('_');

        string? component = ComponentPrefixes.FirstOrDefault(c => stem.StartsWith(c + ".", StringComparison.Ordinal));
        if (component is not null)
            return new LoraKey(AdapterKeys.Join(component, LayerPath(stem[(component.Length + 1)..], component, processorForm)), match.Part);

        var owners = model.Components.Keys.Where(c => model.FindLayer(AdapterKeys.Join(c, LayerPath(stem, c, processorForm))) is not null).ToList();
        if (owners.Count > 1)
            return new LoraKey(AdapterKeys.Join(owners[0], stem), match.Part,
                $"the path is in {string.Join(" and ", owners)}: prefix the key with the component it is for");
        string owner = owners.Count == 1 ? owners[0] : AdapterKeys.UNet;
        return new LoraKey(AdapterKeys.Join(owner, LayerPath(stem, owner, processorForm)), match.Part);
    }

    // The attention-processor form names projections as to_q/to_k/to_v/to_out under an optional "processor" segment.
    private static string LayerPath(string stem, string component, bool processorForm)
    {
        if (!processorForm) return stem;
        int dot = stem.LastIndexOf('.');
        string parent = dot < 0 ? "" : stem[..dot], projection = stem[(dot + 1)..];
        if (parent.EndsWith(".processor", StringComparison.Ordinal)) parent = parent[..^".processor".Length];
        string mapped = (AdapterKeys.IsTextEncoder(component), projection) switch
        {
            (false, "to_out") => "to_out.0",
            (true, "to_q") => "q_proj",
            (true, "to_k") => "k_proj",
            (true, "to_v") => "v_proj",
            (true, "to_out") => "out_proj",
            _ => projection,
        };
        return parent.Length == 0 ? mapped : parent + "." + mapped;
    }
}
