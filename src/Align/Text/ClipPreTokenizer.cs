using System.Globalization;
using System.Text;

namespace Align.Text;

/// <summary>
/// CLIP's pre-tokenization regex, <c>&lt;|startoftext|&gt;|&lt;|endoftext|&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c>
/// (case-insensitive), evaluated over code points rather than UTF-16 units so characters outside the
/// BMP are classified as Python's regex classifies them.
/// </summary>
internal static class ClipPreTokenizer
{
    private static readonly string[] Specials = ["<|startoftext|>", "<|endoftext|>"];
    private static readonly string[] Contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    public static IEnumerable<string> Split(string text)
    {
        Rune[] runes = text.EnumerateRunes().ToArray();
        int k = 0;
        while (k < runes.Length)
        {
            Rune r = runes[k];
            if (Rune.IsWhiteSpace(r))
            {
                k++;
                continue;
            }
            string? fixedToken = MatchAny(runes, k, Specials) ?? MatchAny(runes, k, Contractions);
            if (fixedToken is not null)
            {
                yield return Concat(runes, k, fixedToken.Length);
                k += fixedToken.Length;
                continue;
            }
            int end = k + 1;
            if (IsLetter(r))
                while (end < runes.Length && IsLetter(runes[end])) end++;
            else if (!IsNumber(r))
                while (end < runes.Length && !Rune.IsWhiteSpace(runes[end]) && !IsLetter(runes[end]) && !IsNumber(runes[end])) end++;
            yield return Concat(runes, k, end - k);
            k = end;
        }
    }

    // Matches one of the ASCII alternatives at position k, ignoring case.
    private static string? MatchAny(Rune[] runes, int k, string[] options)
    {
        foreach (string o in options)
        {
            if (k + o.Length > runes.Length) continue;
            bool ok = true;
            for (int j = 0; j < o.Length && ok; j++)
                ok = runes[k + j].Value < 128 && char.ToLowerInvariant((char)runes[k + j].Value) == o[j];
            if (ok) return o;
        }
        return null;
    }

    private static string Concat(Rune[] runes, int start, int count)
    {
        var sb = new StringBuilder();
        for (int j = start; j < start + count; j++) sb.Append(runes[j].ToString());
        return sb.ToString();
    }

    private static bool IsLetter(Rune r) => Rune.GetUnicodeCategory(r) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
        or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter;

    private static bool IsNumber(Rune r) => Rune.GetUnicodeCategory(r) is UnicodeCategory.DecimalDigitNumber
        or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;
}
