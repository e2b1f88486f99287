using System.Globalization;

namespace Server.Metrics;

/// <summary>Writes the Prometheus text exposition format 0.0.4: family headers and samples, '\n' line ends.</summary>
internal sealed class PrometheusTextWriter(TextWriter output)
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public void WriteFamilyHeader(string name, string type, string help)
    {
        output.Write("# HELP ");
        output.Write(name);
        output.Write(' ');
        foreach (char c in help)
        {
            switch (c)
            {
                case '\\': output.Write("\\\\"); break;
                case '\n': output.Write("\\n"); break;
                default: output.Write(c); break;
            }
        }
        output.Write("\n# TYPE ");
        output.Write(name);
        output.Write(' ');
        output.Write(type);
        output.Write('\n');
    }

    /// <summary>One sample line; <paramref name="le"/> adds a histogram bucket's bound as the last label.</summary>
    public void WriteSample(string name, LabelSet labels, double value, double? le = null)
    {
        output.Write(name);
        if (labels.Count > 0 || le is not null)
        {
            output.Write('{');
            for (int i = 0; i < labels.Count; i++)
            {
                if (i > 0) output.Write(',');
                WriteLabel(labels.NameAt(i), labels.ValueAt(i));
            }
            if (le is double bound)
            {
                if (labels.Count > 0) output.Write(',');
                WriteLabel("le", FormatNumber(bound));
            }
            output.Write('}');
        }
        output.Write(' ');
        output.Write(FormatNumber(value));
        output.Write('\n');
    }

    public static string FormatNumber(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private void WriteLabel(string name, string value)
    {
        output.Write(name);
        output.Write("=\"");
        foreach (char c in value)
        {
            switch (c)
            {
                case '\\': output.Write("\\\\"); break;
                case '"': output.Write("\\\""); break;
                case '\n': output.Write("\\n"); break;
                default: output.Write(c); break;
            }
        }
        output.Write('"');
    }
}
