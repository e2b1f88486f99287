namespace Align.Models.Vae;

/// <summary>
/// diffusers' <c>_convert_deprecated_attention_blocks</c>: VAE checkpoints saved before diffusers 0.14 (e.g. the original
/// SD 1.5 repository) name the mid-block attention query/key/value/proj_attn.
/// </summary>
internal static class DeprecatedAttentionNames
{
    private static readonly (string Old, string New)[] Map =
        [(".query.", ".to_q."), (".key.", ".to_k."), (".value.", ".to_v."), (".proj_attn.", ".to_out.0.")];

    public static string Rename(string key)
    {
        if (!key.Contains(".attentions.", StringComparison.Ordinal)) return key;
        foreach ((string o, string n) in Map)
            if (key.Contains(o, StringComparison.Ordinal)) return key.Replace(o, n, StringComparison.Ordinal);
        return key;
    }
}
