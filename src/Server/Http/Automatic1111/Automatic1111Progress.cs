using System.Globalization;
using Server.Generation;

namespace Server.Http.Automatic1111;

/// <summary>GET /sdapi/v1/progress: the current txt2img job's last progress event as A1111 reports it (fraction, eta, state).</summary>
public static class Automatic1111Progress
{
    public sealed record Response(double Progress, double EtaRelative, State State, string? CurrentImage, string? Textinfo, string? CurrentTask);

    /// <summary>
    /// A1111's shared.state: one job here is the whole request (all its images run together on the device), so job_count
    /// is 1 while a request is in flight; sampling_step/steps are its denoising steps (or alignment iterations).
    /// </summary>
    public sealed record State(bool Skipped, bool Interrupted, bool StoppingGeneration, string Job, int JobCount, string JobTimestamp, int JobNo,
        int SamplingStep, int SamplingSteps);

    private static readonly Response Idle = new(0, 0, new State(false, false, false, "", 0, "0", 0, 0, 0), null, null, null);

    public static Response Of(Automatic1111Jobs.Job? job)
    {
        if (job is null) return Idle;
        ProgressEvent? last = job.LastProgress;
        double fraction = last is { Total: > 0 } p ? Math.Min(1.0, (double)p.Step / p.Total) : 0;
        double running = job.RunningSeconds;
        double eta = fraction > 0 ? running / fraction - running : 0;
        string text = job.Item.StartedAt == 0 ? "queued" : last is null ? "starting" : $"{last.Phase} {last.Step}/{last.Total}";
        var state = new State(false, job.Interrupted, false, "txt2img", 1, job.Created.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture), 0,
            last?.Step ?? 0, last?.Total ?? job.Item.Request.Steps);
        return new Response(Math.Round(fraction, 4), Math.Round(eta, 3), state, null, text, job.Item.Request.Id);
    }
}
