using System.Diagnostics;
using Align.Pipelines;
using Align.Rewards;
using Align.ShapeWorld;
using Torch;
using Training.Reports;

namespace Training.Evaluation;

/// <summary>What to evaluate: prompts per category from a split, seeds per prompt, and the sampling settings.</summary>
public sealed record EvalPlan(int PromptsPerCategory = 50, int SeedsPerPrompt = 4, int Steps = 20, double Guidance = 5.0,
    Split Split = Split.Eval, int PromptSeed = 0, long FirstSeed = 1000, IReadOnlyList<Category>? Categories = null, string? Scheduler = null);

/// <summary>Per-category (and overall) results; <see cref="Samples"/> keeps a few images per category for the grid.</summary>
/// <param name="MeanReward">null when no reward model was given (eval.json writes it as null)</param>
public sealed record CategoryResult(string Category, int Images, int Passed, double? MeanReward)
{
    public double Accuracy => Images == 0 ? 0 : Passed / (double)Images;
}

public sealed record EvalResult(string Method, IReadOnlyList<CategoryResult> Categories, CategoryResult Overall, double ImagesPerSecond, double SecondsPerImage);

/// <summary>
/// The ShapeWorld evaluation: generate N seeds for each prompt of a suite, judge each image with the programmatic verifier
/// (the ground truth) and score it with the CLIP reward; report accuracy and mean reward per category, throughput, and a
/// grid of samples framed green (pass) or red (fail).
/// </summary>
public sealed class ShapeWorldEval(TextToImagePipeline pipeline, IRewardModel? reward, EvalMethod? method = null)
{
    private readonly EvalMethod _method = method ?? new BaseMethod();

    public EvalResult Run(EvalPlan plan, string? gridDirectory = null, Action<string>? log = null)
    {
        var categories = plan.Categories ?? Vocabulary.Categories;
        var results = new List<CategoryResult>();
        long totalImages = 0;
        var watch = Stopwatch.StartNew();
        foreach (Category category in categories)
        {
            IReadOnlyList<Prompt> prompts = PromptSuite.Sample(category, plan.Split, plan.PromptsPerCategory, plan.PromptSeed);
            int passed = 0, images = 0;
            double rewardSum = 0;
            var grid = new List<Tensor>();
            var frames = new List<(byte, byte, byte)>();
            foreach (Prompt prompt in prompts)
            {
                using var scope = torch.NewDisposeScope();
                long[] seeds = Enumerable.Range(0, plan.SeedsPerPrompt).Select(k => plan.FirstSeed + k).ToArray();
                var request = new TextToImageRequest(prompt.Text, seeds, pipeline.Model.DefaultSize, pipeline.Model.DefaultSize, plan.Steps, plan.Guidance,
                    Scheduler: plan.Scheduler);
                using Tensor generated = _method.Generate(pipeline, request);
                double[] scores = [];
                if (reward is not null)
                    using (Autograd.NoGrad())
                        scores = reward.Score(generated, Enumerable.Repeat(prompt.Text, seeds.Length).ToArray()).ToArray<float>().Select(v => (double)v).ToArray();
                for (int i = 0; i < seeds.Length; i++)
                {
                    Verdict verdict = Verifier.Verify(prompt.Spec, generated[i]);
                    images++;
                    if (verdict.Passed) passed++;
                    if (scores.Length > 0) rewardSum += scores[i];
                    if (grid.Count < 32)
                    {
                        grid.Add(generated[i].Clone().DetachFromDisposeScope());
                        frames.Add(verdict.Passed ? ImageGrid.Pass : ImageGrid.Fail);
                    }
                }
            }
            totalImages += images;
            var r = new CategoryResult(Spec.CategoryName(category), images, passed, reward is null ? null : rewardSum / Math.Max(1, images));
            results.Add(r);
            log?.Invoke($"{r.Category}: {r.Passed}/{r.Images} pass ({r.Accuracy:P1})" + (r.MeanReward is double m ? $", mean reward {m:F3}" : ""));
            if (gridDirectory is not null && grid.Count > 0)
            {
                Directory.CreateDirectory(gridDirectory);
                File.WriteAllBytes(Path.Combine(gridDirectory, $"{r.Category.Replace(' ', '_')}.png"), ImageGrid.Render(grid, 8, frames));
            }
            foreach (Tensor t in grid) t.Dispose();
        }
        double seconds = watch.Elapsed.TotalSeconds;
        int all = results.Sum(r => r.Images), ok = results.Sum(r => r.Passed);
        double? meanReward = reward is null ? null : results.Sum(r => r.MeanReward!.Value * r.Images) / Math.Max(1, all);
        return new EvalResult(_method.Name, results, new CategoryResult("overall", all, ok, meanReward), totalImages / seconds, seconds / Math.Max(1, totalImages));
    }
}
