using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

/// <summary>One closed-loop load level: <c>concurrency</c> clients, each sending its next request when the last returns.</summary>
internal static class LoadLevel
{
    private static readonly string[] Prompts =
    [
        "a red circle", "two blue squares", "a green triangle to the left of a yellow circle", "three purple circles",
        "a cyan square above an orange triangle", "a yellow triangle and a red square",
    ];

    public sealed record Sample(double ClientMs, double QueueMs, double GenerateMs, double EncodeMs, double ServerTotalMs);

    public static async Task<(List<Sample> Samples, double Seconds, int Failed)> Run(HttpClient client, int concurrency, int requests, int steps)
    {
        var samples = new List<Sample>();
        int next = -1, failed = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            for (int i = Interlocked.Increment(ref next); i < requests; i = Interlocked.Increment(ref next))
            {
                var body = new { prompt = Prompts[i % Prompts.Length], seed = i, steps };
                long start = Stopwatch.GetTimestamp();
                using HttpResponseMessage r = await client.PostAsJsonAsync("/generate", body);
                string text = await r.Content.ReadAsStringAsync();
                double clientMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (!r.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref failed);
                    Console.Error.WriteLine($"request {i}: {(int)r.StatusCode} {text}");
                    continue;
                }
                JsonElement t = JsonDocument.Parse(text).RootElement.GetProperty("timings_ms");
                var s = new Sample(clientMs, t.GetProperty("queue").GetDouble(), t.GetProperty("generate").GetDouble(),
                    t.GetProperty("encode").GetDouble(), t.GetProperty("total").GetDouble());
                lock (samples) samples.Add(s);
            }
        }));
        return (samples, watch.Elapsed.TotalSeconds, failed);
    }

    public static double Percentile(IEnumerable<double> values, double p)
    {
        double[] sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        double rank = p * (sorted.Length - 1);
        int lo = (int)Math.Floor(rank), hi = (int)Math.Ceiling(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}
