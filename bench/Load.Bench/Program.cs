using System.Text.Json;
using Server.Tests.RealProcess;

// Starts the real server (embedded ShapeWorld model) once with batching on and once with it off, and drives each with
// closed-loop HTTP clients at several concurrencies. Prints throughput, p50/p99 latency, and the server's own overhead
// per request: client latency minus queue wait minus model time (HTTP, JSON, validation, PNG, base64).
// Usage: bench/load.sh [--concurrency 1,8,32] [--requests N] [--steps S] [--batch B] [--device cpu|cuda:0] [--json PATH]

int[] levels = [1, 8, 32];
int requests = 32, steps = 20, batch = 8;
string device = "cpu", json = "artifacts/bench/load.json";
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--concurrency": levels = args[++i].Split(',').Select(int.Parse).ToArray(); break;
        case "--requests": requests = int.Parse(args[++i]); break;
        case "--steps": steps = int.Parse(args[++i]); break;
        case "--batch": batch = int.Parse(args[++i]); break;
        case "--device": device = args[++i]; break;
        case "--json": json = args[++i]; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}

Console.WriteLine($"Load benchmark: embedded model on {device}, 64×64, {steps} steps, 1 image per request, closed loop; " +
                  $"each level runs max({requests}, 3 × concurrency) requests after 4 warm-up requests");
Console.WriteLine($"{"batching",-12} {"conc",5} {"reqs",5} {"req/s",8} {"p50 ms",9} {"p99 ms",9} {"queue ms",9} {"model ms",9} {"overhead ms",12}");
var rows = new List<object>();
foreach ((string mode, int maxBatch) in new[] { ($"on (≤{batch})", batch), ("off", 1) })
{
    await using ServerProcess server = await ServerProcess.StartAsync(
        ("Server__Queue__MaxBatchImages", $"{maxBatch}"), ("Server__Queue__Capacity", "512"), ("Server__Device", device),
        ("Logging__LogLevel__Default", "Warning"));
    using var client = new HttpClient { BaseAddress = server.HttpBase, Timeout = TimeSpan.FromMinutes(10) };
    await LoadLevel.Run(client, 1, 4, steps);
    foreach (int concurrency in levels)
    {
        int n = Math.Max(requests, 3 * concurrency);
        (List<LoadLevel.Sample> samples, double seconds, int failed) = await LoadLevel.Run(client, concurrency, n, steps);
        double p50 = LoadLevel.Percentile(samples.Select(s => s.ClientMs), 0.50), p99 = LoadLevel.Percentile(samples.Select(s => s.ClientMs), 0.99);
        double queue = samples.Average(s => s.QueueMs), model = samples.Average(s => s.GenerateMs);
        double overhead = samples.Average(s => s.ClientMs - s.QueueMs - s.GenerateMs);
        Console.WriteLine($"{mode,-12} {concurrency,5} {samples.Count,5} {samples.Count / seconds,8:F2} {p50,9:F0} {p99,9:F0} {queue,9:F0} {model,9:F0} {overhead,12:F1}" +
                          (failed > 0 ? $"  ({failed} failed)" : ""));
        rows.Add(new { batching = mode, concurrency, requests = samples.Count, failed, seconds, requests_per_second = samples.Count / seconds,
            p50_ms = p50, p99_ms = p99, mean_queue_ms = queue, mean_model_ms = model, mean_overhead_ms = overhead,
            mean_encode_ms = samples.Average(s => s.EncodeMs) });
    }
}
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(json))!);
File.WriteAllText(json, JsonSerializer.Serialize(new { device, steps, batch, rows }, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"overhead = client latency − queue wait − model time (HTTP, JSON, validation, PNG and base64); figures in {json}");
return 0;
