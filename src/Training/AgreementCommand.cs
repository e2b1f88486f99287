using System.CommandLine;
using Align.Rewards;
using Training.Evaluation;

namespace Training;

/// <summary><c>align-train agreement</c>: how often a reward prefers the chosen image of each pair in a preference manifest.</summary>
internal static class AgreementCommand
{
    public static Command Create()
    {
        var reward = new Option<string>("--reward") { Description = "reward model directory (any layout RewardModels reads)", Required = true };
        var pairs = new Option<string>("--pairs") { Description = "preference manifest (pairs.jsonl from align-train pairs: chosen passes the verifier, rejected fails)", Required = true };
        var device = new Option<string>("--device") { Description = "cpu or cuda:N", DefaultValueFactory = _ => "cpu" };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 0 };
        var command = new Command("agreement", "How often a reward scores each pair's chosen image above its rejected one, per category (the reward judged on the generator's images)")
        {
            reward, pairs, device, threads,
        };
        command.SetAction(result =>
        {
            int n = result.GetValue(threads);
            Torch.torch.NumThreads = n > 0 ? n : Environment.ProcessorCount;
            TextWriter o = result.InvocationConfiguration.Output;
            var target = Torch.Device.Parse(result.GetValue(device)!);
            using IRewardModel model = RewardModels.Freeze(RewardModels.Load(result.GetValue(reward)!, "reward", target));
            Print(o, "images: the chosen image scored above the rejected one for their prompt", RewardAgreement.Run(model, result.GetValue(pairs)!, target));
            Print(o, "hindsight captions: on each image, a caption it holds scored above one it fails (one attribute apart)",
                RewardAgreement.Captions(model, result.GetValue(pairs)!, target));
            return 0;
        });
        return command;
    }

    private static void Print(TextWriter o, string title, AgreementResult r)
    {
        o.WriteLine(title);
        foreach ((string category, double agreement) in r.ByCategory.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            o.WriteLine($"  {category,-20} {agreement,7:P1}");
        o.WriteLine($"  {"overall",-20} {r.Overall,7:P1} of {r.Pairs} pairs ({r.Ties} ties)");
    }
}
