using Align.Rewards;
using Align.ShapeWorld;
using Torch;

namespace Training.Evaluation;

/// <summary>Per category, how often the reward scores a scene's true caption above a caption wrong in one attribute.</summary>
public sealed record RankingResult(IReadOnlyDictionary<string, double> ByCategory, double Overall, int Scenes);

/// <summary>
/// A cheap check of a CLIP reward as a judge of ShapeWorld prompts, with no diffusion involved: rendered evaluation-split
/// scenes, each scored against its caption and against a one-attribute contradiction of it (<see cref="SpecPerturbation"/>).
/// A reward that ranks these right is one that search (best-of-n) and ReNO can climb towards the verifier.
/// </summary>
public static class ClipRanking
{
    public static RankingResult Run(IRewardModel reward, int scenes = 600, int seed = 0, int imageSize = 64)
    {
        var random = new Random(seed);
        var wins = new Dictionary<string, (int Right, int All)>();
        const int batch = 50;
        using var noGrad = Autograd.NoGrad();
        for (int start = 0; start < scenes; start += batch)
        {
            using var scope = torch.NewDisposeScope();
            var images = new List<Tensor>();
            var truths = new List<string>();
            var wrongs = new List<string>();
            var categories = new List<string>();
            for (int i = start; i < Math.Min(scenes, start + batch); i++)
            {
                CaptionedScene example = CaptionedScenes.Generate(Split.Eval, seed, i);
                if (SpecPerturbation.Contradict(example.Prompt.Spec, example.Scene, random) is not { } wrong) continue;
                images.Add(SceneRenderer.Render(example.Scene, imageSize).ToTensor());
                truths.Add(example.Prompt.Text);
                wrongs.Add(CaptionGrammar.Phrase(wrong, random));
                categories.Add(Spec.CategoryName(example.Prompt.Category));
            }
            if (images.Count == 0) continue;
            Tensor stacked = torch.Stack(images.ToArray());
            float[] right = reward.Score(stacked, truths).ToArray<float>(), wrongScores = reward.Score(stacked, wrongs).ToArray<float>();
            for (int i = 0; i < right.Length; i++)
            {
                (int r, int a) = wins.GetValueOrDefault(categories[i]);
                wins[categories[i]] = (r + (right[i] > wrongScores[i] ? 1 : 0), a + 1);
            }
        }
        int total = wins.Values.Sum(w => w.All);
        return new RankingResult(wins.ToDictionary(kv => kv.Key, kv => kv.Value.Right / (double)kv.Value.All),
            wins.Values.Sum(w => w.Right) / (double)Math.Max(1, total), total);
    }
}
