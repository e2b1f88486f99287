using Align.Pipelines;
using Align.Schedulers;
using Torch;

/// <summary>
/// The request samplers on the ShapeWorld model (bench/models.sh --samplers [--device D]): how close each gets, in a few
/// steps, to the probability-flow ODE's solution, and what a step costs. The reference is DPM-Solver++ 2M at 200 steps
/// (Euler at 200 steps agrees with it to the error printed for it); the error is the mean absolute pixel difference (0–255)
/// from it, over the same prompts and seeds for every sampler.
/// </summary>
internal static class SamplerBench
{
    private static readonly string[] Prompts =
    [
        "a red circle", "two blue squares", "a green triangle to the left of a yellow circle", "three purple circles",
        "a red square above a blue triangle", "a yellow circle and a green square", "two red triangles", "a blue circle below a red square",
    ];

    public static int Run(string shapeWorld, Device device)
    {
        using StableDiffusionModel sd = StableDiffusionModel.Load(Path.Combine(shapeWorld, "model"), device, DType.Float32).Freeze();
        var pipeline = new TextToImagePipeline(sd, new PromptCache(sd.Prompts, 16));
        Console.WriteLine($"Sampler benchmark: ShapeWorld model on {device}, 64×64, guidance 5, {Prompts.Length} prompts × 2 seeds, " +
                          $"libtorch {torch.Version}, {torch.NumThreads} threads; the model's own scheduler: {pipeline.DefaultScheduler}");
        using Tensor reference = Images(pipeline, "dpmpp_2m", 200);
        Console.WriteLine($"{"sampler",-18} {"steps",5} {"error vs reference",19} {"ms / image",11}");
        using (Tensor euler200 = Images(pipeline, "euler", 200))
            Console.WriteLine($"{"euler",-18} {200,5} {Error(euler200, reference),19:F2} {"",11}");
        foreach (string sampler in SchedulerChoice.Names.Where(n => n != "lcm")) // LCM is for LCM-distilled models
            foreach (int steps in new[] { 5, 10, 20 })
            {
                Tensor? images = null;
                double seconds = BenchTiming.Seconds(device, 1, () => { images?.Dispose(); images = Images(pipeline, sampler, steps).DetachFromDisposeScope(); });
                using (images) Console.WriteLine($"{sampler,-18} {steps,5} {Error(images!, reference),19:F2} {seconds * 1000 / (2 * Prompts.Length),11:F0}");
            }
        return 0;
    }

    // [N, 3, H, W] in [0, 1]: every prompt with seeds 1 and 2, sampled with `sampler`.
    private static Tensor Images(TextToImagePipeline pipeline, string sampler, int steps)
    {
        using var scope = torch.NewDisposeScope();
        var images = Prompts.Select(p =>
        {
            using GenerationResult r = pipeline.Generate(new TextToImageRequest(p, [1, 2], 64, 64, steps, 5.0, Scheduler: sampler));
            return r.Images.Clone();
        }).ToArray();
        return torch.Cat(images).MoveToOuterScope();
    }

    private static double Error(Tensor images, Tensor reference)
    {
        using var scope = torch.NewDisposeScope();
        return ((images - reference).Abs().Mean() * 255.0).ToDouble();
    }
}
