using System.CommandLine;
using System.Text.Json;
using Align.Models.Clip;
using Align.Rewards;
using Align.ShapeWorld;
using Align.Text;
using Training.Evaluation;
using Training.Loop;
using Training.Pretraining;

namespace Training;

/// <summary>
/// <c>align-train train-itm</c>: trains an image-text matching judge (<see cref="ImageTextMatchingReward"/>, or with
/// <c>--head film</c> a <see cref="FilmJudgeReward"/>, which takes the text tower alone) on ShapeWorld counterfactual twins,
/// starting its towers from a CLIP reward, and reports how often it ranks a scene's caption above a one-attribute contradiction, beside the CLIP score of
/// the towers it started from.
/// </summary>
internal static class TrainItmCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "CLIPModel directory with its tokenizer files, whose towers the judge starts from (e.g. models/shapeworld/reward)", Required = true };
        var output = new Option<string>("--out") { Description = "where the judge (a reward model directory), its checkpoints and ranking.json go", Required = true };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 2000 };
        var pairs = new Option<int>("--pairs") { Description = "twin pairs per step (each gives two positives and two negatives)", DefaultValueFactory = _ => 32 };
        var lr = new Option<double>("--lr") { DefaultValueFactory = _ => 1e-4 };
        var head = new Option<string>("--head")
        {
            Description = "itm: text tokens cross-attend to the vision tower's patches (BLIP's ITM head); film: the text's pooled embedding modulates a convolutional network over the pixels and their coordinates (FiLM)",
            DefaultValueFactory = _ => "itm",
        };
        head.AcceptOnlyFromAmong("itm", "film");
        var layers = new Option<int?>("--layers") { Description = "blocks of the head (itm: cross-attention blocks, default 2; film: FiLM residual blocks, default 4)" };
        var channels = new Option<int>("--channels") { Description = "film: feature maps per block", DefaultValueFactory = _ => 64 };
        var pooling = new Option<string>("--pooling")
        {
            Description = $"film: {FilmConfig.MaxPooling} (FiLM's) or {FilmConfig.MaxMeanPooling} (can count)", DefaultValueFactory = _ => FilmConfig.MaxPooling,
        };
        pooling.AcceptOnlyFromAmong(FilmConfig.MaxPooling, FilmConfig.MaxMeanPooling);
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 7 };
        var bothSplits = new Option<bool>("--both-splits")
        {
            Description = "train on scenes of the train and eval splits' attribute combinations (a judge of every combination the generator may be asked for)",
        };
        var categories = new Option<Category[]>("--categories")
        {
            Description = "train on twins of these categories only (default: all, drawn uniformly)", AllowMultipleArgumentsPerToken = true,
        };
        var generated = new Option<string[]>("--generated-pairs")
        {
            Description = "also train on the generator's own verifier-judged pairs (pairs.jsonl of align-train pairs; repeatable): the passing image matches its prompt, the failing one does not",
            AllowMultipleArgumentsPerToken = true,
        };
        var generatedCount = new Option<int?>("--generated-per-step") { Description = "generated pairs per step (default: --pairs)" };
        var hindsight = new Option<int>("--hindsight-per-step")
        {
            Description = "also train on this many of the generated images per step with hindsight captions: one the verifier's detector finds it holds, " +
                          "one it fails, one attribute apart (needs --generated-pairs)",
        };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 0 };
        var command = new Command("train-itm", "Train an image-text matching judge (a reward that sees layout) on ShapeWorld twins and measure its caption ranking")
        {
            from, output, steps, pairs, lr, head, layers, channels, pooling, seed, bothSplits, categories, generated, generatedCount, hindsight, threads,
        };
        command.SetAction(result =>
        {
            int n = result.GetValue(threads);
            Torch.torch.NumThreads = n > 0 ? n : Environment.ProcessorCount;
            TextWriter o = result.InvocationConfiguration.Output;
            string source = result.GetValue(from)!, target = result.GetValue(output)!;
            if (result.GetValue(pairs) < 1) throw new ArgumentException("--pairs must be at least 1");
            if (result.GetValue(generatedCount) < 1) throw new ArgumentException("--generated-per-step must be at least 1");
            if (result.GetValue(hindsight) < 0) throw new ArgumentException("--hindsight-per-step must not be negative");
            if (result.GetValue(hindsight) > 0 && result.GetValue(generated) is not { Length: > 0 })
                throw new ArgumentException("--hindsight-per-step captions the images of --generated-pairs: give those too");
            bool film = result.GetValue(head) == "film";
            int blocks = result.GetValue(layers) ?? (film ? 4 : 2);
            if (blocks < 1) throw new ArgumentException("--layers must be at least 1");
            if (result.GetValue(channels) < 1) throw new ArgumentException("--channels must be at least 1");
            ClipTokenizer tokenizer = ClipTokenizer.FromDirectory(source);
            RankingResult clipRanking;
            using (ClipScoreReward clip = ClipScoreReward.FromPretrained(source)) clipRanking = ClipRanking.Run(clip);
            o.WriteLine($"caption ranking of the CLIP score: {clipRanking.Overall:P1} of {clipRanking.Scenes} scenes");

            var data = new ShapeWorldSource(seed: result.GetValue(seed), bothSplits: result.GetValue(bothSplits), categories: result.GetValue(categories));
            using IMatchingJudge judge = film ? NewFilmJudge(ClipTextModel.FromPretrained(source)) : NewItmJudge(ClipModel.FromPretrained(source));
            FilmJudgeReward NewFilmJudge(ClipTextModel text) =>
                new(text, FilmJudgeReward.NewHead(text, data.ImageSize, result.GetValue(channels), blocks, result.GetValue(pooling)!), tokenizer);
            ImageTextMatchingReward NewItmJudge(ClipModel towers) => new(towers, ImageTextMatchingReward.NewHead(towers, blocks), tokenizer);
            foreach (Torch.NN.Module m in judge.Modules) m.Train();
            GeneratedPairSource? judged = result.GetValue(generated) is { Length: > 0 } manifests ? new GeneratedPairSource(manifests, data.ImageSize) : null;
            if (judged is not null) o.WriteLine($"generated pairs: {judged.Count}, images with hindsight captions: {judged.CaptionedCount}");
            if (result.GetValue(hindsight) > 0 && judged!.CaptionedCount == 0)
                throw new ArgumentException("--hindsight-per-step: no generated image has a one-attribute edit of its prompt on the other side of the verifier's verdict");
            var task = new ImageTextMatchingTask(judge, data, result.GetValue(pairs), generated: judged,
                generatedPairs: result.GetValue(generatedCount) ?? result.GetValue(pairs), captionedImages: result.GetValue(hindsight));
            var options = new TrainingOptions(Path.Combine(target, "train"), result.GetValue(steps), result.GetValue(lr), (ulong)result.GetValue(seed));
            ConsoleProgress.Run(progress => TrainingLoop.Run(task, options, progress));

            RewardModels.Freeze(judge);
            judge.SavePretrained(target);
            ClipTokenizer.CopyFiles(source, target);
            RankingResult after = ClipRanking.Run(judge);
            o.WriteLine($"caption ranking of the judge:     {after.Overall:P1} of {after.Scenes} scenes");
            foreach ((string category, double accuracy) in after.ByCategory)
                o.WriteLine($"  {category,-20} {clipRanking.ByCategory.GetValueOrDefault(category),7:P1} → {accuracy,7:P1}");
            File.WriteAllText(Path.Combine(target, "train", "ranking.json"), JsonSerializer.Serialize(new { clip = clipRanking, judge = after },
                new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
            return 0;
        });
        return command;
    }
}
