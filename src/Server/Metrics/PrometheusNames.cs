using System.Diagnostics.Metrics;
using System.Text;

namespace Server.Metrics;

/// <summary>
/// Metric and label names per the OpenTelemetry to Prometheus compatibility rules: invalid characters become
/// '_' (runs collapsed), the unit becomes a suffix (s: _seconds, By: _bytes, {annotations} dropped, a/b: a_per_b),
/// monotonic counters end in _total, and no suffix is added twice.
/// </summary>
public static class PrometheusNames
{
    private static readonly Dictionary<string, string> UnitNames = new(StringComparer.Ordinal)
    {
        ["d"] = "days", ["h"] = "hours", ["min"] = "minutes", ["s"] = "seconds", ["ms"] = "milliseconds",
        ["us"] = "microseconds", ["ns"] = "nanoseconds",
        ["By"] = "bytes", ["KiBy"] = "kibibytes", ["MiBy"] = "mebibytes", ["GiBy"] = "gibibytes", ["TiBy"] = "tibibytes",
        ["KBy"] = "kilobytes", ["MBy"] = "megabytes", ["GBy"] = "gigabytes", ["TBy"] = "terabytes",
        ["m"] = "meters", ["V"] = "volts", ["A"] = "amperes", ["J"] = "joules", ["W"] = "watts", ["g"] = "grams",
        ["Cel"] = "celsius", ["Hz"] = "hertz", ["%"] = "percent",
    };

    private static readonly Dictionary<string, string> PerUnitNames = new(StringComparer.Ordinal)
    {
        ["s"] = "second", ["m"] = "minute", ["h"] = "hour", ["d"] = "day", ["w"] = "week", ["mo"] = "month", ["y"] = "year",
    };

    /// <summary>The Prometheus name of an instrument, without the _bucket/_sum/_count of histogram series.</summary>
    public static string MetricName(Instrument instrument) =>
        MetricName(instrument.Name, instrument.Unit, IsMonotonicCounter(instrument), IsGauge(instrument));

    public static string MetricName(string name, string? unit, bool monotonicCounter, bool gauge)
    {
        string result = Sanitize(name, allowColon: true);
        if (char.IsAsciiDigit(result[0])) result = "_" + result;
        if (monotonicCounter && result.EndsWith("_total", StringComparison.Ordinal) && result.Length > "_total".Length)
            result = result[..^"_total".Length];

        string unitSuffix = UnitSuffix(unit, gauge);
        if (unitSuffix.Length > 0 && !result.EndsWith("_" + unitSuffix, StringComparison.Ordinal) && result != unitSuffix)
            result += "_" + unitSuffix;
        if (monotonicCounter) result += "_total";
        return result;
    }

    /// <summary>A valid label name: invalid characters become '_' (runs collapsed), a leading digit gets "key_".</summary>
    public static string LabelName(string name)
    {
        string result = Sanitize(name, allowColon: false);
        return char.IsAsciiDigit(result[0]) ? "key_" + result : result;
    }

    public static bool IsMonotonicCounter(Instrument instrument)
    {
        Type definition = instrument.GetType().GetGenericTypeDefinition();
        return definition == typeof(Counter<>) || definition == typeof(ObservableCounter<>);
    }

    private static bool IsGauge(Instrument instrument)
    {
        Type definition = instrument.GetType().GetGenericTypeDefinition();
        return definition == typeof(ObservableGauge<>) || definition == typeof(Gauge<>);
    }

    /// <summary>The unit as a name suffix ("" when the unit says nothing a name should carry).</summary>
    private static string UnitSuffix(string? unit, bool gauge)
    {
        if (string.IsNullOrWhiteSpace(unit)) return "";
        string stripped = StripAnnotations(unit).Trim();
        if (stripped == "1") return gauge ? "ratio" : "";

        int slash = stripped.IndexOf('/');
        if (slash < 0) return SanitizeUnit(UnitNames.GetValueOrDefault(stripped, stripped));

        string numerator = stripped[..slash].Trim(), denominator = stripped[(slash + 1)..].Trim();
        string per = denominator.Length == 0 ? "" : "per_" + SanitizeUnit(PerUnitNames.GetValueOrDefault(denominator, denominator));
        if (numerator.Length == 0 || numerator == "1") return per;
        string numeratorName = SanitizeUnit(UnitNames.GetValueOrDefault(numerator, numerator));
        return per.Length == 0 ? numeratorName : numeratorName + "_" + per;
    }

    private static string StripAnnotations(string unit)
    {
        var result = new StringBuilder(unit.Length);
        int depth = 0;
        foreach (char c in unit)
        {
            if (c == '{') depth++;
            else if (c == '}' && depth > 0) depth--;
            else if (depth == 0) result.Append(c);
        }
        return result.ToString();
    }

    private static string SanitizeUnit(string unit) => Sanitize(unit, allowColon: false).Trim('_');

    /// <summary>Replaces characters outside [a-zA-Z0-9_] (and ':' in metric names) with '_', collapsing runs of '_'.</summary>
    private static string Sanitize(string name, bool allowColon)
    {
        if (name.Length == 0) return "_";
        bool valid = true;
        for (int i = 0; i < name.Length && valid; i++)
            valid = IsValid(name[i], allowColon) && !(name[i] == '_' && i > 0 && name[i - 1] == '_');
        if (valid) return name;

        var result = new StringBuilder(name.Length);
        foreach (char c in name)
        {
            char mapped = IsValid(c, allowColon) ? c : '_';
            if (mapped == '_' && result.Length > 0 && result[^1] == '_') continue;
            result.Append(mapped);
        }
        return result.ToString();
    }

    private static bool IsValid(char c, bool allowColon) => char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':');
}
