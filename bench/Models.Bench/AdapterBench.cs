using Align.Adapters;
using Align.Pipelines;
using Torch;

/// <summary>
/// What LoRA adapters cost a generation on the ShapeWorld model (bench/models.sh --adapters [--device D]): one and three
/// adapters applied unfused, one fused into the weights, and a run that leaves the fused one out (the server applies it
/// at minus its weight), each as a multiple of the bare base, measured side by side in one run.
/// </summary>
internal static class AdapterBench
{
    public static int Run(string shapeWorld, Device device, int steps)
    {
        using StableDiffusionModel sd = StableDiffusionModel.Load(Path.Combine(shapeWorld, "model"), device, DType.Float32).Freeze();
        var pipeline = new TextToImagePipeline(sd, new PromptCache(sd.Prompts, 16));
        var request = new TextToImageRequest("a red circle to the left of a blue square", [1, 2, 3, 4], 64, 64, steps, 5.0);
        var config = new LoraConfig
        {
            Rank = 16,
            Targets = new Dictionary<string, IReadOnlyList<string>> { [AdapterKeys.UNet] = [.. LoraConfig.UNetAttention, .. LoraConfig.UNetFeedForward] },
        };
        LoraAdapter[] adapters = Enumerable.Range(0, 3).Select(i => sd.Adapters.CreateTrainable($"bench{i}", config, new Generator((ulong)i + 1))).ToArray();
        Console.WriteLine($"Adapter benchmark: ShapeWorld model on {device}, 4 images 64×64, {steps} steps, rank {config.Rank} on the UNet's " +
                          $"attention and feed-forward ({adapters[0].Layers.Count} layers per adapter), libtorch {torch.Version}, {torch.NumThreads} threads");
        try
        {
            double Generate(IEnumerable<(LoraAdapter, double)> active) => BenchTiming.Seconds(device, 3, () =>
            {
                using AdapterActivation a = sd.Adapters.Activate(active);
                using GenerationResult r = pipeline.Generate(request);
            });
            // interleaved rounds, so drifting load on the machine falls on every row alike
            var rows = new (string Name, Func<double> Time, List<double> Seconds)[]
            {
                ("base, no adapter", () => Generate([]), []),
                ("1 adapter, unfused", () => Generate([(adapters[0], 1.0)]), []),
                ("3 adapters, unfused", () => Generate(adapters.Select(a => (a, 0.5))), []),
                ("1 adapter, fused", () => Fused(sd, adapters[0], () => Generate([])), []),
                ("fused adapter left out (at -1)", () => Fused(sd, adapters[0], () => Generate([(adapters[0], -1.0)])), []),
            };
            for (int round = 0; round < 5; round++)
                foreach (var row in rows) row.Seconds.Add(row.Time());
            double baseline = rows[0].Seconds.Min();
            foreach ((string name, _, List<double> seconds) in rows)
                Console.WriteLine($"{name,-32} {seconds.Min() * 1000,8:F0} ms = {seconds.Min() / baseline:F2}× the base (best of 5 rounds)");
        }
        finally
        {
            foreach (LoraAdapter a in adapters) a.Dispose();
        }
        return 0;
    }

    private static double Fused(StableDiffusionModel sd, LoraAdapter adapter, Func<double> time)
    {
        sd.Adapters.Fuse(adapter);
        try
        {
            return time();
        }
        finally
        {
            sd.Adapters.Unfuse();
        }
    }
}
