using System.Globalization;

namespace Server.Metrics;

/// <summary>
/// The Prometheus labels of one series: measurement tags with sanitized names, sorted by name. Tags whose names
/// sanitize to the same label are joined with ';' in the order of their original names (the OpenTelemetry rule).
/// Equal tag sets give equal label sets, so it keys the series of an instrument; its order is the exposition order.
/// </summary>
internal sealed class LabelSet : IEquatable<LabelSet>, IComparable<LabelSet>
{
    public static readonly LabelSet Empty = new([], []);

    private readonly string[] names;
    private readonly string[] values;
    private readonly int hash;

    private LabelSet(string[] names, string[] values)
    {
        this.names = names;
        this.values = values;
        var hashCode = new HashCode();
        for (int i = 0; i < names.Length; i++)
        {
            hashCode.Add(names[i]);
            hashCode.Add(values[i]);
        }
        hash = hashCode.ToHashCode();
    }

    public int Count => names.Length;
    public string NameAt(int index) => names[index];
    public string ValueAt(int index) => values[index];

    public static LabelSet From(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty) return Empty;
        var labels = new (string Name, string Key, string Value)[tags.Length];
        for (int i = 0; i < tags.Length; i++)
            labels[i] = (PrometheusNames.LabelName(tags[i].Key), tags[i].Key, FormatValue(tags[i].Value));
        Array.Sort(labels, (a, b) =>
        {
            int byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : string.CompareOrdinal(a.Key, b.Key);
        });

        var names = new List<string>(labels.Length);
        var values = new List<string>(labels.Length);
        foreach (var (name, _, value) in labels)
        {
            if (names.Count > 0 && names[^1] == name) values[^1] += ";" + value;
            else
            {
                names.Add(name);
                values.Add(value);
            }
        }
        return new LabelSet([.. names], [.. values]);
    }

    private static string FormatValue(object? value) => value switch
    {
        null => "",
        string text => text,
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public bool Equals(LabelSet? other) =>
        other is not null && hash == other.hash &&
        names.AsSpan().SequenceEqual(other.names) && values.AsSpan().SequenceEqual(other.values);

    public override bool Equals(object? obj) => Equals(obj as LabelSet);

    public override int GetHashCode() => hash;

    public int CompareTo(LabelSet? other)
    {
        if (other is null) return 1;
        for (int i = 0; i < Math.Min(Count, other.Count); i++)
        {
            int byName = string.CompareOrdinal(names[i], other.names[i]);
            if (byName != 0) return byName;
            int byValue = string.CompareOrdinal(values[i], other.values[i]);
            if (byValue != 0) return byValue;
        }
        return Count.CompareTo(other.Count);
    }
}
