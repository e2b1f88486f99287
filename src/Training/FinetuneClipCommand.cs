using System.CommandLine;
using System.Text.Json;
using Align.Models.Clip;
using Align.Rewards;
using Align.Text;
using Training.Evaluation;
using Training.Loop;
using Training.Pretraining;

namespace Training;

/// <summary>
/// <c>align-train finetune-clip</c>: continues the contrastive training of a ShapeWorld CLIP reward (optionally with hard
/// negative captions) and reports how often it ranks a scene's caption above a one-attribute contradiction, before and after.
/// </summary>
internal static class FinetuneClipCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "CLIPModel directory with its tokenizer files (e.g. models/shapeworld/reward)", Required = true };
        var output = new Option<string>("--out") { Description = "where the fine-tuned reward, its checkpoints and ranking.json go", Required = true };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 1000 };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 64 };
        var lr = new Option<double>("--lr") { DefaultValueFactory = _ => 1e-4 };
        var hard = new Option<bool>("--hard-negatives") { Description = "add a caption wrong in one attribute per image to the image-to-text loss" };
        var twins = new Option<bool>("--twins")
        {
            Description = "half of each batch are counterfactual twins (scenes rendered from a one-attribute contradiction of the other half's captions): hard negative captions and images",
        };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 7 };
        var bothSplits = new Option<bool>("--both-splits")
        {
            Description = "train on scenes of the train and eval splits' attribute combinations (a judge of every combination; the ranking check then measures unseen scenes, not unseen combinations)",
        };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 0 };
        var command = new Command("finetune-clip", "Fine-tune a ShapeWorld CLIP reward (hard negatives optional) and measure its caption ranking")
        {
            from, output, steps, batch, lr, hard, twins, seed, threads, bothSplits,
        };
        command.SetAction(result =>
        {
            int n = result.GetValue(threads);
            Torch.torch.NumThreads = n > 0 ? n : Environment.ProcessorCount;
            TextWriter o = result.InvocationConfiguration.Output;
            string source = result.GetValue(from)!, target = result.GetValue(output)!;
            using ClipModel clip = ClipModel.FromPretrained(source);
            ClipTokenizer tokenizer = ClipTokenizer.FromDirectory(source);
            var reward = new ClipScoreReward(clip, tokenizer);
            RankingResult before = Ranking(reward, clip);
            if (result.GetValue(twins) && result.GetValue(hard)) throw new ArgumentException("--twins already gives hard negative captions: use one of --twins and --hard-negatives");
            o.WriteLine($"caption ranking before: {before.Overall:P1} of {before.Scenes} scenes");

            clip.Train();
            var task = new ClipTask(clip, tokenizer, new ShapeWorldSource(seed: result.GetValue(seed), bothSplits: result.GetValue(bothSplits)), result.GetValue(batch),
                result.GetValue(twins) ? ClipNegatives.Twins : result.GetValue(hard) ? ClipNegatives.Captions : ClipNegatives.None);
            var options = new TrainingOptions(Path.Combine(target, "train"), result.GetValue(steps), result.GetValue(lr), (ulong)result.GetValue(seed));
            ConsoleProgress.Run(progress => TrainingLoop.Run(task, options, progress));

            clip.SavePretrained(target);
            ClipTokenizer.CopyFiles(source, target);
            RankingResult after = Ranking(reward, clip);
            o.WriteLine($"caption ranking after:  {after.Overall:P1} of {after.Scenes} scenes");
            foreach ((string category, double accuracy) in after.ByCategory)
                o.WriteLine($"  {category,-20} {before.ByCategory.GetValueOrDefault(category),7:P1} → {accuracy,7:P1}");
            File.WriteAllText(Path.Combine(target, "train", "ranking.json"), JsonSerializer.Serialize(new { before, after },
                new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
            return 0;
        });
        return command;
    }

    private static RankingResult Ranking(ClipScoreReward reward, ClipModel clip)
    {
        clip.Eval();
        return ClipRanking.Run(reward);
    }
}
