using Align.Rewards;
using Align.ShapeWorld;
using Torch;
using Training.Preferences;

namespace Training.Evaluation;

/// <summary>Per category, how often a reward scores a pair's chosen image above its rejected one.</summary>
public sealed record AgreementResult(IReadOnlyDictionary<string, double> ByCategory, double Overall, int Pairs, int Ties);

/// <summary>
/// How far a reward agrees with the judge of a preference manifest (e.g. the verifier's verdicts on the model's own samples,
/// from <c>align-train pairs</c>): the images are the generator's, not rendered scenes, so this measures the reward where
/// best-of-n and ReNO use it. Pairs the reward scores equal count as half.
/// </summary>
public static class RewardAgreement
{
    public static AgreementResult Run(IRewardModel reward, string manifest, Device device, int batch = 32)
    {
        IReadOnlyList<PreferencePair> pairs = PairManifest.Read(manifest);
        string directory = Path.GetDirectoryName(Path.GetFullPath(manifest))!;
        var wins = new Dictionary<string, (double Right, int All)>();
        int ties = 0;
        using var noGrad = Autograd.NoGrad();
        foreach (PreferencePair[] chunk in pairs.Chunk(batch))
        {
            using var scope = torch.NewDisposeScope();
            Tensor Load(Func<PreferencePair, string> image) =>
                torch.Stack(chunk.Select(p => RgbImage.FromPng(File.ReadAllBytes(PairManifest.Resolve(directory, image(p)))).ToTensor()).ToArray()).To(device);
            string[] prompts = chunk.Select(p => p.Prompt).ToArray();
            float[] chosen = reward.Score(Load(p => p.Chosen), prompts).ToArray<float>();
            float[] rejected = reward.Score(Load(p => p.Rejected), prompts).ToArray<float>();
            for (int i = 0; i < chunk.Length; i++) ties += Count(wins, chunk[i].Category ?? "all", chosen[i], rejected[i]);
        }
        return Result(wins, ties);
    }

    /// <summary>
    /// The same on each image of the manifest against its <see cref="HindsightCaptions"/>: how often the reward scores a
    /// caption the image holds above one it fails, one attribute apart (every holding × failing spec, first phrasing), so a
    /// reward that cannot rank images for a prompt shows whether it reads the attribute on them at all. Counted in pairs.
    /// </summary>
    public static AgreementResult Captions(IRewardModel reward, string manifest, Device device, int batch = 32)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(manifest))!;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var comparisons = new List<(string Category, string Image, string Holding, string Failing)>();
        foreach (PreferencePair pair in PairManifest.Read(manifest))
        {
            if (pair.PromptSpec() is not { } asked) continue;
            foreach (string image in new[] { pair.Chosen, pair.Rejected }.Select(i => PairManifest.Resolve(directory, i)).Where(seen.Add))
                if (HindsightCaptions.For(asked, ShapeDetector.Detect(RgbImage.FromPng(File.ReadAllBytes(image)))) is { } captions)
                    foreach (Spec holding in captions.Holding)
                        foreach (Spec failing in captions.Failing)
                            comparisons.Add((pair.Category ?? "all", image, CaptionGrammar.Phrase(holding, 0), CaptionGrammar.Phrase(failing, 0)));
        }
        var wins = new Dictionary<string, (double Right, int All)>();
        int ties = 0;
        using var noGrad = Autograd.NoGrad();
        foreach (var chunk in comparisons.Chunk(batch))
        {
            using var scope = torch.NewDisposeScope();
            Tensor images = torch.Stack(chunk.Select(c => RgbImage.FromPng(File.ReadAllBytes(c.Image)).ToTensor()).ToArray()).To(device);
            float[] holds = reward.Score(images, chunk.Select(c => c.Holding).ToArray()).ToArray<float>();
            float[] fails = reward.Score(images, chunk.Select(c => c.Failing).ToArray()).ToArray<float>();
            for (int i = 0; i < chunk.Length; i++) ties += Count(wins, chunk[i].Category, holds[i], fails[i]);
        }
        return Result(wins, ties);
    }

    // Adds one comparison (a tie as half); returns 1 for a tie.
    private static int Count(Dictionary<string, (double Right, int All)> wins, string category, float better, float worse)
    {
        (double r, int a) = wins.GetValueOrDefault(category);
        wins[category] = (r + (better > worse ? 1 : better == worse ? 0.5 : 0), a + 1);
        return better == worse ? 1 : 0;
    }

    private static AgreementResult Result(Dictionary<string, (double Right, int All)> wins, int ties)
    {
        int total = wins.Values.Sum(w => w.All);
        return new AgreementResult(wins.ToDictionary(kv => kv.Key, kv => kv.Value.Right / kv.Value.All),
            wins.Values.Sum(w => w.Right) / Math.Max(1, total), total, ties);
    }
}
