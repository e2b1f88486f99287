using System.CommandLine;
using Training;

var root = new RootCommand("align-train: the training host (Diffusion-DPO, DRaFT, ShapeWorld pre-training, evaluation)");
root.Subcommands.Add(EngineCommand.Create());
root.Subcommands.Add(PretrainCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(ShipCommand.Create());
root.Subcommands.Add(ShipJudgeCommand.Create());
root.Subcommands.Add(FinetuneClipCommand.Create());
root.Subcommands.Add(TrainItmCommand.Create());
root.Subcommands.Add(TrainCounterCommand.Create());
root.Subcommands.Add(AgreementCommand.Create());
root.Subcommands.Add(PublishCommand.Create());
root.Subcommands.Add(PairsCommand.Create());
root.Subcommands.Add(RenderedPairsCommand.Create());
root.Subcommands.Add(CorrectedPairsCommand.Create());
root.Subcommands.Add(TwinPairsCommand.Create());
root.Subcommands.Add(ImportPickAPicCommand.Create());
root.Subcommands.Add(DpoCommand.Create());
root.Subcommands.Add(DraftCommand.Create());
try
{
    return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is ArgumentException or Align.Models.ModelLoadException or FileNotFoundException or DirectoryNotFoundException
                              or InvalidDataException or Align.Adapters.AdapterLoadException)
{
    // a bad setting or input: one line naming it, not a stack trace
    Console.Error.WriteLine($"align-train: {e.Message}");
    return 2;
}
