using System.Text.Json.Serialization;
using Server.Generation;

namespace Server.Http;

/// <summary>The JSON shape of a generation response (the public contract's field names).</summary>
public static class GenerateJson
{
    public sealed record Response(string RequestId, string Model, string Scheduler, IReadOnlyList<Image> Images, Alignment Alignment, TimingsMs TimingsMs,
        IReadOnlyList<AppliedAdapter> Adapters);
    public sealed record Image(string PngBase64, long Seed, IReadOnlyDictionary<string, double> Rewards);
    public sealed record Alignment(string Method, int IterationsRun, IReadOnlyList<Iteration> Trace);
    public sealed record Iteration([property: JsonPropertyName("iteration")] int Number, double Loss, IReadOnlyDictionary<string, double> Rewards, long? Seed);
    public sealed record TimingsMs(double Queue, double Generate, double Encode, double Total);

    public static Response From(GenerationResponse r) => new(
        r.RequestId,
        r.Model,
        r.Scheduler,
        r.Images.Select(i => new Image(Convert.ToBase64String(i.Png), i.Seed, i.Rewards)).ToArray(),
        new Alignment(r.Alignment.Method, r.Alignment.IterationsRun,
            r.Alignment.Trace.Select(t => new Iteration(t.Iteration, t.Loss, t.Rewards, t.Seed)).ToArray()),
        new TimingsMs(Round(r.Timings.QueueMs), Round(r.Timings.GenerateMs), Round(r.Timings.EncodeMs), Round(r.Timings.TotalMs)),
        r.Adapters);

    private static double Round(double ms) => Math.Round(ms, 3);
}
