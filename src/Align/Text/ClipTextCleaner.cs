using System.Globalization;
using System.Text;

namespace Align.Text;

/// <summary>
/// The text cleanup transformers' <c>CLIPTokenizer</c> applies when <c>ftfy</c> is absent (its
/// <c>BasicTokenizer(strip_accents=False, do_split_on_punc=False)</c>): drop control characters, map
/// whitespace to spaces, pad CJK ideographs with spaces, NFC-normalise, split on whitespace, lower-case
/// as Python's <c>str.lower</c> does, and join with single spaces.
/// </summary>
internal static class ClipTextCleaner
{
    public static string Clean(string text)
    {
        var cleaned = new StringBuilder(text.Length + 8);
        foreach (Rune r in text.EnumerateRunes())
        {
            int cp = r.Value;
            if (cp == 0 || cp == 0xFFFD || IsControl(r)) continue;
            if (IsWhitespace(r)) cleaned.Append(' ');
            else if (IsCjk(cp)) cleaned.Append(' ').Append(r.ToString()).Append(' ');
            else cleaned.Append(r.ToString());
        }
        string normalized = cleaned.ToString().Normalize(NormalizationForm.FormC);
        var words = SplitOnWhitespace(normalized).Select(PythonLower);
        return string.Join(' ', words);
    }

    // transformers' _is_control: categories C* except tab, newline and carriage return.
    private static bool IsControl(Rune r)
    {
        if (r.Value is '\t' or '\n' or '\r') return false;
        return Rune.GetUnicodeCategory(r) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
    }

    // transformers' _is_whitespace: space, tab, newline, carriage return and category Zs.
    private static bool IsWhitespace(Rune r) =>
        r.Value is ' ' or '\t' or '\n' or '\r' || Rune.GetUnicodeCategory(r) == UnicodeCategory.SpaceSeparator;

    private static bool IsCjk(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;

    // Python's str.split(): runs of characters for which str.isspace() is true.
    private static IEnumerable<string> SplitOnWhitespace(string s)
    {
        var word = new StringBuilder();
        foreach (Rune r in s.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(r) || r.Value is >= 0x1C and <= 0x1F)
            {
                if (word.Length > 0) yield return word.ToString();
                word.Clear();
            }
            else word.Append(r.ToString());
        }
        if (word.Length > 0) yield return word.ToString();
    }

    /// <summary>
    /// Python's <c>str.lower()</c>: full case mapping, which differs from simple mapping for U+0130
    /// (İ → i + combining dot) and for the final-sigma rule (Σ at the end of a word → ς).
    /// </summary>
    internal static string PythonLower(string word)
    {
        var runes = word.EnumerateRunes().ToArray();
        var sb = new StringBuilder(word.Length);
        for (int k = 0; k < runes.Length; k++)
        {
            Rune r = runes[k];
            if (r.Value == 0x130) sb.Append("i\u0307");
            else if (r.Value == 0x3A3) sb.Append(IsFinalSigma(runes, k) ? 'ς' : 'σ');
            else sb.Append(Rune.ToLowerInvariant(r).ToString());
        }
        return sb.ToString();
    }

    // Unicode's Final_Sigma condition: a cased letter before (skipping case-ignorables), none after.
    private static bool IsFinalSigma(Rune[] runes, int at)
    {
        int k = at - 1;
        while (k >= 0 && IsCaseIgnorable(runes[k])) k--;
        if (k < 0 || !IsCased(runes[k])) return false;
        k = at + 1;
        while (k < runes.Length && IsCaseIgnorable(runes[k])) k++;
        return k >= runes.Length || !IsCased(runes[k]);
    }

    private static bool IsCased(Rune r) => Rune.IsUpper(r) || Rune.IsLower(r) || Rune.GetUnicodeCategory(r) == UnicodeCategory.TitlecaseLetter;

    private static bool IsCaseIgnorable(Rune r) =>
        Rune.GetUnicodeCategory(r) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format
            or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol
        || r.Value is '\'' or '.' or ':' or '^' or '`' or 0xB7 or 0x2019;
}
