using System.Globalization;
using System.Text.RegularExpressions;
using Server.Api;

namespace Server.Http.Automatic1111;

/// <summary>A1111's extra-network tags for LoRAs, "&lt;lora:name:weight&gt;" in the prompt: they select adapters and leave the text.</summary>
public static partial class LoraTags
{
    /// <summary>The prompt without its LoRA tags, and the adapters they name (weight 1 where the tag has none).</summary>
    public static (string Prompt, List<AdapterInput> Adapters) Extract(string prompt)
    {
        var adapters = new List<AdapterInput>();
        string text = Tag().Replace(prompt, m =>
        {
            string[] parts = m.Groups[1].Value.Split(':');
            string name = parts[0].Trim();
            if (name.Length == 0) throw ServiceException.Invalid("prompt", $"LoRA tag '{m.Value}' names no adapter (use <lora:name:weight>)");
            if (parts.Length > 2) throw ServiceException.Invalid("prompt", $"LoRA tag '{m.Value}': only <lora:name:weight> is understood (one weight)");
            double weight = 1.0;
            if (parts.Length == 2 && !double.TryParse(parts[1].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out weight))
                throw ServiceException.Invalid("prompt", $"LoRA tag '{m.Value}': the weight '{parts[1]}' is not a number");
            adapters.Add(new AdapterInput { Name = name, Weight = weight });
            return " ";
        });
        return (Spaces().Replace(text, " ").Trim().Replace(" ,", ",", StringComparison.Ordinal), adapters);
    }

    [GeneratedRegex("<lora:([^>]*)>", RegexOptions.IgnoreCase)]
    private static partial Regex Tag();

    [GeneratedRegex(@"\s{2,}")]
    private static partial Regex Spaces();
}
