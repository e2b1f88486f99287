using System.CommandLine;
using Training.Loop;
using Training.Pretraining;

namespace Training;

/// <summary><c>align-train pretrain-shapeworld</c>: trains the embedded default model and its CLIP reward on ShapeWorld.</summary>
internal static class PretrainCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "output directory (model/, reward/, train/)", Required = true };
        var seed = new Option<ulong>("--seed") { Description = "data and initialisation seed", DefaultValueFactory = _ => 42 };
        var clipSteps = new Option<int>("--clip-steps") { DefaultValueFactory = _ => 3000 };
        var vaeSteps = new Option<int>("--vae-steps") { DefaultValueFactory = _ => 2000 };
        var unetSteps = new Option<int>("--unet-steps") { DefaultValueFactory = _ => 12000 };
        var unetMinutes = new Option<double?>("--unet-minutes") { Description = "stop the UNet stage after this long (it checkpoints and can be resumed)" };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (0: one per core)", DefaultValueFactory = _ => 0 };
        var command = new Command("pretrain-shapeworld", "Pre-train the ShapeWorld default model (tokenizer, CLIP reward/text encoder, VAE, UNet); re-run to resume")
        {
            output, seed, clipSteps, vaeSteps, unetSteps, unetMinutes, threads,
        };
        command.SetAction(result =>
        {
            int n = result.GetValue(threads);
            Torch.torch.NumThreads = n > 0 ? n : Environment.ProcessorCount;
            double? minutes = result.GetValue(unetMinutes);
            var plan = new PretrainingPlan(result.GetValue(output)!, result.GetValue(seed), result.GetValue(clipSteps), result.GetValue(vaeSteps),
                result.GetValue(unetSteps), UNetBudget: minutes is double m ? TimeSpan.FromMinutes(m) : null);
            ConsoleProgress.Run(progress => new ShapeWorldPretraining(plan, progress).Run());
            return 0;
        });
        return command;
    }
}
