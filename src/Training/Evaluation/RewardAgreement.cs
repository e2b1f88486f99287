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
            for (int i = 0; i < chunk.Length; i++)
            {
                string category = chunk[i].Category ?? "all";
                double right = chosen[i] > rejected[i] ? 1 : chosen[i] == rejected[i] ? 0.5 : 0;
                if (chosen[i] == rejected[i]) ties++;
                (double r, int a) = wins.GetValueOrDefault(category);
                wins[category] = (r + right, a + 1);
            }
        }
        int total = wins.Values.Sum(w => w.All);
        return new AgreementResult(wins.ToDictionary(kv => kv.Key, kv => kv.Value.Right / kv.Value.All),
            wins.Values.Sum(w => w.Right) / Math.Max(1, total), total, ties);
    }
}
