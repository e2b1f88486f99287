using System.Text;
using System.Text.Json;

namespace Align.Schedulers;

/// <summary>
/// Reads a <c>scheduler_config.json</c> as diffusers writes it: Python's json module spells non-finite floats as bare
/// <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c> (DPMSolverMultistepScheduler's <c>lambda_min_clipped</c> is −∞ by
/// default), which strict JSON does not allow; they are read as the strings System.Text.Json's named literals accept.
/// </summary>
public static class SchedulerConfigJson
{
    private static readonly string[] Literals = ["-Infinity", "Infinity", "NaN"];

    /// <exception cref="JsonException">not JSON, even with the literals quoted</exception>
    public static JsonElement Parse(string text)
    {
        using JsonDocument doc = JsonDocument.Parse(QuoteNonFiniteLiterals(text), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        return doc.RootElement.Clone();
    }

    private static string QuoteNonFiniteLiterals(string text)
    {
        var sb = new StringBuilder(text.Length + 8);
        bool inString = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (inString)
            {
                sb.Append(c);
                if (c == '\\' && i + 1 < text.Length) sb.Append(text[++i]);
                else if (c == '"') inString = false;
                continue;
            }
            if (c == '"') inString = true;
            string? literal = Literals.FirstOrDefault(l => string.CompareOrdinal(text, i, l, 0, l.Length) == 0
                                                           && (i + l.Length == text.Length || !char.IsLetterOrDigit(text[i + l.Length])));
            if (literal is null)
            {
                sb.Append(c);
                continue;
            }
            sb.Append('"').Append(literal).Append('"');
            i += literal.Length - 1;
        }
        return sb.ToString();
    }
}
