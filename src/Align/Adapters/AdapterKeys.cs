namespace Align.Adapters;

/// <summary>Target keys: a model component and a layer path inside it, joined by the first dot (<c>unet.down_blocks.0…</c>).</summary>
public static class AdapterKeys
{
    public const string UNet = "unet";
    public const string TextEncoder = "text_encoder";
    public const string TextEncoder2 = "text_encoder_2";

    public static string Join(string component, string path) => component + "." + path;

    public static (string Component, string Path) Split(string key)
    {
        int dot = key.IndexOf('.');
        if (dot <= 0 || dot == key.Length - 1)
            throw new ArgumentException($"adapter key '{key}' must be 'component.path' (e.g. unet.down_blocks.0.attentions.0.proj_in)", nameof(key));
        return (key[..dot], key[(dot + 1)..]);
    }

    public static bool IsTextEncoder(string component) => component.StartsWith(TextEncoder, StringComparison.Ordinal);
}
