using System.Globalization;
using System.Text.RegularExpressions;

namespace Server.Tests.Peers;

/// <summary>Reads align_requests_total from a running server's /metrics.</summary>
public static class ServerMetricsScrape
{
    public static async Task<double> RequestsAsync(Uri httpBase, string transport, string route, string status)
    {
        using var client = new HttpClient();
        string text = await client.GetStringAsync(new Uri(httpBase, "/metrics"));
        double total = 0;
        foreach (string line in text.Split('\n'))
        {
            if (!line.StartsWith("align_requests_total{", StringComparison.Ordinal)) continue;
            if (!line.Contains($"transport=\"{transport}\"", StringComparison.Ordinal) || !line.Contains($"route=\"{route}\"", StringComparison.Ordinal) ||
                !line.Contains($"status=\"{status}\"", StringComparison.Ordinal)) continue;
            total += double.Parse(Regex.Match(line, @"\} (\S+)").Groups[1].Value, CultureInfo.InvariantCulture);
        }
        return total;
    }
}
