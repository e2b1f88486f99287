using System.Diagnostics;
using System.Runtime.InteropServices;
using Align.Alignment;
using Align.Pipelines;
using Align.Rewards;
using Torch;

/// <summary>
/// The alignment methods' cost on the ShapeWorld model (bench/models.sh --alignment [--device D]): one ReNO iteration and
/// one Attend-and-Excite run as multiples of a plain generation, ReNO with gradient checkpointing (time and, on CPU, the
/// peak memory an iteration adds), and best-of-n throughput batched versus one by one.
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

        double plain = BenchTiming.Seconds(device, 5, () => { using GenerationResult r = pipeline.Generate(request); });
        Console.WriteLine($"plain generation, 1 image:            {plain * 1000,8:F0} ms");

        const int iterations = 6;
        double reno = BenchTiming.Seconds(device, 1, () => { using RenoResult r = Reno.Optimize(pipeline, request, rewards, new RenoOptions { Iterations = iterations }); }) / iterations;
        Console.WriteLine($"ReNO, per iteration (mean of {iterations}):      {reno * 1000,8:F0} ms = {reno / plain:F2}× a plain generation (target ≤ 3×)");

        var checkpointed = new RenoOptions { Iterations = iterations, GradientCheckpointing = true };
        double renoCheckpointed = BenchTiming.Seconds(device, 1, () => { using RenoResult r = Reno.Optimize(pipeline, request, rewards, checkpointed); }) / iterations;
        Console.WriteLine($"ReNO, gradient checkpointing:         {renoCheckpointed * 1000,8:F0} ms = {renoCheckpointed / plain:F2}× a plain generation, {renoCheckpointed / reno:F2}× without");
        if (!device.IsCuda)
        {
            double without = GraphMiB(pipeline, request, rewards, false), with = GraphMiB(pipeline, request, rewards, true);
            Console.WriteLine($"ReNO graph held before backward:      {without,8:F1} MiB without checkpointing, {with:F1} MiB with ({without / with:F1}× less)");
        }

        var attend = new AttendAndExcite(pipeline);
        double ae = BenchTiming.Seconds(device, 2, () => { using GenerationResult r = attend.Generate(request); });
        Console.WriteLine($"Attend-and-Excite, 1 image:           {ae * 1000,8:F0} ms = {ae / plain:F2}× a plain generation");

        const int n = 16;
        var candidates = request with { Seeds = Enumerable.Range(0, n).Select(i => (long)i).ToArray() };
        foreach (int batch in new[] { 1, 8, 16 })
        {
            double s = BenchTiming.Seconds(device, 1, () => { using BestOfNResult r = BestOfN.Run(pipeline, candidates, rewards, 1, batch); });
            Console.WriteLine($"best-of-{n}, batches of {batch,2}:            {s * 1000,8:F0} ms = {n / s,6:F1} candidates/s");
        }
        return 0;
    }

    // CPU memory the autograd graph of one ReNO objective holds when the forward pass ends (the backward pass adds at most
    // one step's recomputation with checkpointing): heap bytes in use then, less before. RSS would not show it, since the
    // allocator keeps freed pages.
    private static double GraphMiB(TextToImagePipeline pipeline, TextToImageRequest request, RewardEnsemble rewards, bool checkpointing)
    {
        using var scope = torch.NewDisposeScope();
        Tensor z = pipeline.InitialLatents(request).Detach().RequiresGrad_();
        long before = HeapInUse();
        (Tensor loss, _, _, _) = Reno.Losses(pipeline, request, z, rewards, 0.01, gradientCheckpointing: checkpointing);
        long held = HeapInUse() - before;
        loss.Sum().Backward();
        return held / (1024.0 * 1024.0);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint Arena, OrdBlks, SmBlks, HBlks, HBlkHd, UsmBlks, FsmBlks, UordBlks, FordBlks, KeepCost;
    }

    [DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern MallInfo2 MallInfo();

    // glibc: bytes in use from the heap plus bytes in mmap'd blocks (large tensors)
    private static long HeapInUse()
    {
        MallInfo2 m = MallInfo();
        return (long)m.UordBlks + (long)m.HBlkHd;
    }
}
