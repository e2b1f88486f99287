using System.Text.Json;

namespace Server.Tests;

/// <summary>
/// Whether abandoned work (a client hang-up, a deadline) freed the worker within the denoising step it was in.
/// The bound is measured against the machine's own speed, not a fixed time, since the suite's other assemblies load
/// the 2 cores unevenly: the next request runs <see cref="NextSteps"/> steps of <see cref="NextImages"/> images, as
/// many as the abandoned 100-step request had, so its generation time is about 2 steps. Waiting under 5 of those
/// (about 10 steps) passes on any load, while a worker that kept the abandoned work would wait about 98 steps.
/// </summary>
public static class WorkerFreed
{
    public const int NextSteps = 2, NextImages = 8;

    public static void AssertWithinAFewSteps(JsonElement nextResponse, string abandoned)
    {
        JsonElement timings = nextResponse.GetProperty("timings_ms");
        double queueMs = timings.GetProperty("queue").GetDouble(), twoStepsMs = timings.GetProperty("generate").GetDouble();
        Assert.True(queueMs < 5 * twoStepsMs,
            $"the next request waited {queueMs:F0} ms behind {abandoned}, while running {NextSteps} steps of {NextImages} images took {twoStepsMs:F0} ms");
    }
}
