using System.Globalization;

namespace Server.Tests.Metrics;

/// <summary>A scraped exposition read back line by line: samples by their series text, and the comment lines.</summary>
internal sealed class Exposition
{
    private Exposition(string text, IReadOnlyList<(string Series, string Value)> samples, IReadOnlyList<string> comments)
    {
        Text = text;
        Samples = samples;
        Comments = comments;
    }

    public string Text { get; }
    public IReadOnlyList<(string Series, string Value)> Samples { get; }
    public IReadOnlyList<string> Comments { get; }

    public static Exposition Parse(string text)
    {
        Assert.DoesNotContain("\r", text);
        var samples = new List<(string, string)>();
        var comments = new List<string>();
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0) continue;
            if (line.StartsWith('#')) comments.Add(line);
            else
            {
                int space = line.LastIndexOf(' ');
                samples.Add((line[..space], line[(space + 1)..]));
            }
        }
        if (text.Length > 0) Assert.EndsWith("\n", text);
        return new Exposition(text, samples, comments);
    }

    /// <summary>The value of the series written exactly as <paramref name="series"/>, e.g. <c>a_total{b="c"}</c>.</summary>
    public double Value(string series)
    {
        var found = Samples.Where(s => s.Series == series).ToList();
        Assert.True(found.Count == 1, $"expected one sample '{series}', found {found.Count} in:\n{Text}");
        return ParseNumber(found[0].Value);
    }

    public string RawValue(string series) => Samples.Single(s => s.Series == series).Value;

    public IReadOnlyList<string> SeriesOf(string metric) =>
        Samples.Select(s => s.Series).Where(s => s == metric || s.StartsWith(metric + "{", StringComparison.Ordinal)).ToList();

    public bool HasFamily(string family) => Comments.Contains($"# TYPE {family} counter") ||
        Comments.Contains($"# TYPE {family} gauge") || Comments.Contains($"# TYPE {family} histogram");

    public static double ParseNumber(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}
