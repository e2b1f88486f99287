namespace Align.Adapters.Formats;

/// <summary>
/// kohya / AUTOMATIC1111 keys: <c>lora_unet_NAME.lora_down.weight</c>, <c>.lora_up.weight</c>, <c>.alpha</c>, and
/// <c>lora_te_</c> / <c>lora_te1_</c> (first text encoder) and <c>lora_te2_</c> (second). NAME is the layer path with
/// dots turned into underscores, resolved against the model's layers: diffusers paths
/// (<c>down_blocks_0_attentions_0_proj_in</c>) directly, original LDM/SGM block names (<c>input_blocks_4_1_…</c>)
/// through <see cref="LdmUNetNames"/>.
/// </summary>
internal static class KohyaKeys
{
    private static readonly (string Prefix, string Component)[] Prefixes =
    [
        ("lora_unet_", AdapterKeys.UNet), ("lora_te1_", AdapterKeys.TextEncoder), ("lora_te2_", AdapterKeys.TextEncoder2),
        ("lora_te_", AdapterKeys.TextEncoder),
    ];

    public static bool Applies(IEnumerable<string> names) =>
        names.Any(n => Prefixes.Any(p => n.StartsWith(p.Prefix, StringComparison.Ordinal)));

    /// <summary>The key's layer and part, or null when the key is of no LoRA form.</summary>
    public static LoraKey? Parse(string name, ModelAdapters model)
    {
        int dot = name.IndexOf('.');
        if (dot < 0) return null;
        string stem = name[..dot];
        LoraPart? part = name[(dot + 1)..] switch
        {
            "lora_down.weight" => LoraPart.Down,
            "lora_up.weight" => LoraPart.Up,
            "alpha" => LoraPart.Alpha,
            _ => null,
        };
        (string prefix, string component) = Prefixes.FirstOrDefault(p => stem.StartsWith(p.Prefix, StringComparison.Ordinal));
        if (part is not LoraPart found || prefix is null) return null;

        string flat = stem[prefix.Length..];
        string unresolved = AdapterKeys.Join(component, flat);
        if (!model.Components.ContainsKey(component)) return new LoraKey(unresolved, found, model.NoSuchLayer(unresolved));
        UnderscoredNames names = model.Underscored(component);
        string? path = names.Resolve(flat, out bool ambiguous);
        if (path is null && !ambiguous && component == AdapterKeys.UNet && LdmUNetNames.LooksLdm(flat)
            && model.LdmNames?.ToDiffusers(flat) is string diffusers)
            path = names.Resolve(diffusers, out ambiguous);
        if (ambiguous) return new LoraKey(unresolved, found, $"the name fits more than one layer of {component}");
        return path is null
            ? new LoraKey(unresolved, found, $"no Linear or Conv2d layer of {component} has this name")
            : new LoraKey(AdapterKeys.Join(component, path), found);
    }
}
