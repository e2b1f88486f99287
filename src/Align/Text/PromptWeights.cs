using System.Globalization;
using System.Text;

namespace Align.Text;

/// <summary>A run of prompt text and the weight its tokens get.</summary>
public readonly record struct PromptSegment(string Text, double Weight);

/// <summary>A prompt as weighted segments; <see cref="Text"/> is the prompt with the weighting syntax removed.</summary>
public sealed record WeightedPrompt(IReadOnlyList<PromptSegment> Segments)
{
    public string Text => string.Concat(Segments.Select(s => s.Text));

    /// <summary>Every weight is 1: the prompt encodes exactly as its plain text.</summary>
    public bool IsPlain => Segments.All(s => s.Weight == 1.0);
}

/// <summary>
/// The AUTOMATIC1111 / compel-style attention syntax: <c>(text:1.3)</c> multiplies the weight of text's tokens by 1.3,
/// <c>(text)</c> by 1.1 and <c>[text]</c> divides it by 1.1; groups nest and their factors multiply. <c>\(</c>, <c>\)</c>,
/// <c>\[</c>, <c>\]</c> and <c>\\</c> are literal characters; a colon outside round brackets is plain text. Weights must be
/// finite and not negative.
/// </summary>
public static class PromptWeights
{
    /// <summary>The factor of <c>(text)</c>; <c>[text]</c> divides by it.</summary>
    public const double Emphasis = 1.1;

    /// <exception cref="ArgumentException">an unclosed or unmatched bracket, or a weight that is not a non-negative number</exception>
    public static WeightedPrompt Parse(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        List<PromptSegment> parsed = new Reader(prompt).Group(closer: null, out _);
        var merged = new List<PromptSegment>();
        foreach (PromptSegment s in parsed)
            if (merged.Count > 0 && merged[^1].Weight == s.Weight) merged[^1] = merged[^1] with { Text = merged[^1].Text + s.Text };
            else merged.Add(s);
        return new WeightedPrompt(merged);
    }

    private sealed class Reader(string prompt)
    {
        private int _at;

        // The segments up to closer (the end when null), weighted relative to the group; factor is the group's own weight.
        public List<PromptSegment> Group(char? closer, out double factor)
        {
            int opened = _at - 1;
            factor = closer switch { ')' => Emphasis, ']' => 1 / Emphasis, _ => 1.0 };
            var segments = new List<PromptSegment>();
            var text = new StringBuilder();
            void Flush()
            {
                if (text.Length > 0) segments.Add(new PromptSegment(text.ToString(), 1.0));
                text.Clear();
            }
            while (_at < prompt.Length)
            {
                char c = prompt[_at++];
                switch (c)
                {
                    case '\\' when _at < prompt.Length && prompt[_at] is '(' or ')' or '[' or ']' or '\\':
                        text.Append(prompt[_at++]);
                        break;
                    case '(' or '[':
                        Flush();
                        List<PromptSegment> inner = Group(c == '(' ? ')' : ']', out double innerFactor);
                        segments.AddRange(inner.Select(s => s with { Weight = s.Weight * innerFactor }));
                        break;
                    case ')' or ']' when c == closer:
                        Flush();
                        return segments;
                    case ')' or ']':
                        throw Fail($"'{c}' at position {_at - 1} closes nothing");
                    case ':' when closer == ')':
                        Flush();
                        factor = Weight();
                        return segments;
                    default:
                        text.Append(c);
                        break;
                }
            }
            if (closer is char expected) throw Fail($"'{prompt[opened]}' at position {opened} is not closed with '{expected}'");
            Flush();
            return segments;
        }

        // "number)" after the colon of "(text:number)".
        private double Weight()
        {
            int start = _at, close = prompt.IndexOf(')', _at);
            if (close < 0) throw Fail($"the weight at position {start} is not closed with ')'");
            string digits = prompt[start..close].Trim();
            if (!double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
                throw Fail($"the weight '{digits}' at position {start} is not a number");
            if (value < 0) throw Fail($"the weight {digits} at position {start} is negative");
            _at = close + 1;
            return value;
        }

        private ArgumentException Fail(string message) => new($"prompt weighting: {message} in \"{prompt}\"", "prompt");
    }
}
