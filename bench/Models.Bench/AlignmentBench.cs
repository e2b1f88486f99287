using System.Diagnostics;
using Align.Alignment;
using Align.Pipelines;
using Align.Rewards;
using Torch;

/// <summary>
/// The alignment methods' cost on the ShapeWorld model (bench/models.sh --alignment [--device D]): one ReNO iteration and
/// one Attend-and-Excite run as multiples of a plain generation, and best-of-n throughput batched versus one by one.
/// </summary>
internal static class AlignmentBench
{
    public static int Run(string shapeWorld, Device device, int steps)
    {
        using StableDiffusionModel sd = StableDiffusionModel.Load(Path.Combine(shapeWorld, "model"), device, DType.Float32).Freeze();
        using ClipScoreReward clip = ClipScoreReward.FromPretrained(Path.Combine(shapeWorld, "reward"), "shapeworld-clip");
        clip.Model.Eval().RequiresGrad_(false);
        if (device != Device.CPU) clip.Model.To(device);
        var pipeline = new TextToImagePipeline(sd, new PromptCache(sd.Prompts, 16));
        var rewards = new RewardEnsemble([new WeightedReward(clip, 1.0)]);
        var request = new TextToImageRequest("a red circle to the left of a blue square", [1], 64, 64, steps, 5.0);
        Console.WriteLine($"Alignment benchmark: ShapeWorld model on {device}, 64×64, {steps} steps, libtorch {torch.Version}, {torch.NumThreads} threads");

        double plain = Seconds(device, 5, () => { using GenerationResult r = pipeline.Generate(request); });
        Console.WriteLine($"plain generation, 1 image:            {plain * 1000,8:F0} ms");

        const int iterations = 6;
        double reno = Seconds(device, 1, () => { using RenoResult r = Reno.Optimize(pipeline, request, rewards, new RenoOptions { Iterations = iterations }); }) / iterations;
        Console.WriteLine($"ReNO, per iteration (mean of {iterations}):      {reno * 1000,8:F0} ms = {reno / plain:F2}× a plain generation (target ≤ 3×)");

        var attend = new AttendAndExcite(pipeline);
        double ae = Seconds(device, 2, () => { using GenerationResult r = attend.Generate(request); });
        Console.WriteLine($"Attend-and-Excite, 1 image:           {ae * 1000,8:F0} ms = {ae / plain:F2}× a plain generation");

        const int n = 16;
        var candidates = request with { Seeds = Enumerable.Range(0, n).Select(i => (long)i).ToArray() };
        foreach (int batch in new[] { 1, 8, 16 })
        {
            double s = Seconds(device, 1, () => { using BestOfNResult r = BestOfN.Run(pipeline, candidates, rewards, 1, batch); });
            Console.WriteLine($"best-of-{n}, batches of {batch,2}:            {s * 1000,8:F0} ms = {n / s,6:F1} candidates/s");
        }
        return 0;
    }

    // Mean seconds of `runs` timed runs after one warm-up run.
    private static double Seconds(Device device, int runs, Action run)
    {
        using (torch.NewDisposeScope()) run();
        if (device.IsCuda) torch.CudaSynchronize();
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < runs; i++)
            using (torch.NewDisposeScope()) run();
        if (device.IsCuda) torch.CudaSynchronize();
        return watch.Elapsed.TotalSeconds / runs;
    }
}
