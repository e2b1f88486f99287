using System.CommandLine;
using System.Text.Json;
using Align.Rewards;
using Align.ShapeWorld;
using Training.Loop;
using Training.Pretraining;

namespace Training;

/// <summary>
/// <c>align-train train-counter</c>: trains a ShapeWorld counting reward (<see cref="CountReward"/>) on rendered scenes and on
/// the generator's own images labelled by the verifier's detector, and reports how exactly it counts held-out images of both.
/// </summary>
internal static class TrainCounterCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "where the counter (a reward model directory), its checkpoints and report.json go", Required = true };
        var generated = new Option<string[]>("--generated")
        {
            Description = "directories of the generator's PNGs (e.g. align-train pairs outputs), labelled by the verifier's detector; a tenth is held out",
            AllowMultipleArgumentsPerToken = true,
        };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 1500 };
        var rendered = new Option<int>("--rendered-per-step") { DefaultValueFactory = _ => 32 };
        var generatedCount = new Option<int>("--generated-per-step") { DefaultValueFactory = _ => 32 };
        var lr = new Option<double>("--lr") { DefaultValueFactory = _ => 3e-3 };
        var channels = new Option<int>("--channels") { DefaultValueFactory = _ => 32 };
        var blocks = new Option<int>("--blocks") { DefaultValueFactory = _ => 4 };
        var densityWeight = new Option<double>("--density-weight")
        {
            Description = "weight of the density maps' squared error beside the counts' (where each object is, not only how many)", DefaultValueFactory = _ => 1000.0,
        };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 7 };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 0 };
        var command = new Command("train-counter", "Train a ShapeWorld counting reward (density maps per shape × colour) and measure how exactly it counts")
        {
            output, generated, steps, rendered, generatedCount, lr, channels, blocks, densityWeight, seed, threads,
        };
        command.SetAction(result =>
        {
            int n = result.GetValue(threads);
            Torch.torch.NumThreads = n > 0 ? n : Environment.ProcessorCount;
            TextWriter o = result.InvocationConfiguration.Output;
            string target = result.GetValue(output)!;
            if (result.GetValue(rendered) < 0 || result.GetValue(generatedCount) < 0 || result.GetValue(rendered) + result.GetValue(generatedCount) == 0)
                throw new ArgumentException("--rendered-per-step and --generated-per-step must not be negative, and one must be positive");
            if (result.GetValue(channels) < 1 || result.GetValue(blocks) < 1) throw new ArgumentException("--channels and --blocks must be at least 1");
            string[] directories = result.GetValue(generated) ?? [];
            if (directories.Length == 0 && result.GetValue(rendered) == 0) throw new ArgumentException("--rendered-per-step 0 needs --generated images");

            var data = new CountingData(SceneRenderer.DefaultSize, result.GetValue(seed), directories);
            o.WriteLine($"generated images: {data.GeneratedCount} for training, {data.HeldOut.Count} held out");
            var head = new CountHead(new CountConfig { ImageSize = SceneRenderer.DefaultSize, Channels = result.GetValue(channels), NumBlocks = result.GetValue(blocks) });
            using var counter = new CountReward(head);
            head.Train();
            var task = new CountingTask(head, data, result.GetValue(rendered), data.GeneratedCount == 0 ? 0 : result.GetValue(generatedCount),
                result.GetValue(densityWeight));
            var options = new TrainingOptions(Path.Combine(target, "train"), result.GetValue(steps), result.GetValue(lr), (ulong)result.GetValue(seed));
            ConsoleProgress.Run(progress => TrainingLoop.Run(task, options, progress));

            RewardModels.Freeze(counter);
            counter.SavePretrained(target);
            // rendered scenes of the eval split's captions, never drawn in training
            var random = new Random(result.GetValue(seed) + 1);
            CountedImage[] renderedHeldOut = Enumerable.Range(0, 500).Select(_ => data.Rendered(random, Split.Eval)).ToArray();
            CountingReport? onRendered = CountingMetrics.Measure(head, renderedHeldOut, data), onGenerated = CountingMetrics.Measure(head, data.HeldOut, data);
            o.WriteLine($"rendered (eval split):  {onRendered}");
            if (onGenerated is not null) o.WriteLine($"generated (held out):   {onGenerated}");
            File.WriteAllText(Path.Combine(target, "train", "report.json"), JsonSerializer.Serialize(new { rendered = onRendered, generated = onGenerated },
                new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
            return 0;
        });
        return command;
    }
}
