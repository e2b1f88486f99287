namespace Server.Models;

/// <summary>The ShapeWorld model that ships in the repository (models/shapeworld) and is served when no model is configured.</summary>
public static class EmbeddedModel
{
    public const string Name = "shapeworld";
    public const string ClipReward = "shapeworld-clip";
    public const string VerifierReward = "shapeworld-verifier";
    public const string SoftVerifierReward = "shapeworld-soft-verifier";
    public const string JudgeReward = "shapeworld-judge";
    public const string HindsightJudgeReward = "shapeworld-judge-hindsight";
    public const string CounterReward = "shapeworld-counter";

    /// <summary>models/shapeworld under the app's directory or the nearest directory above it (or above the working directory) that has it.</summary>
    public static string Locate()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "models", Name);
                if (File.Exists(Path.Combine(candidate, "model", "model_index.json"))) return candidate;
            }
        }
        throw new DirectoryNotFoundException(
            $"the embedded model (models/{Name}/model) was not found above {AppContext.BaseDirectory} or {Directory.GetCurrentDirectory()}; configure Server:Models");
    }

    /// <summary>The catalog to serve when none is configured: the ShapeWorld model, scored by its CLIP, its two judges (learnt
    /// rewards that see layout, trained on the model's own verifier-judged samples, the second also on ReNO's images against the
    /// first), its counter (a learnt density-map counter that scores prompts asking for a number, where both judges are at
    /// chance), its verifier and the verifier's differentiable relaxation (an oracle ReNO can use). The alignment methods'
    /// default is the sum of the judges and the counter, which ReNO climbs further than any of them alone.</summary>
    public static CatalogOptions DefaultCatalog(string device)
    {
        string root = Locate();
        return new CatalogOptions
        {
            Models = [new ModelOptions { Name = Name, Path = Path.Combine(root, "model"), Device = device, Rewards = [ClipReward, JudgeReward, HindsightJudgeReward, CounterReward, VerifierReward, SoftVerifierReward],
                AlignmentRewards = new() { [JudgeReward] = 1.0, [HindsightJudgeReward] = 1.0, [CounterReward] = 1.0 } }],
            Rewards =
            [
                new RewardOptions { Name = ClipReward, Kind = "model", Path = Path.Combine(root, "reward"), Device = device },
                new RewardOptions { Name = JudgeReward, Kind = "model", Path = Path.Combine(root, "judge"), Device = device },
                new RewardOptions { Name = HindsightJudgeReward, Kind = "model", Path = Path.Combine(root, "judge-hindsight"), Device = device },
                new RewardOptions { Name = CounterReward, Kind = "model", Path = Path.Combine(root, "counter"), Device = device },
                new RewardOptions { Name = VerifierReward, Kind = "shapeworld-verifier" },
                new RewardOptions { Name = SoftVerifierReward, Kind = "shapeworld-soft-verifier" },
            ],
        };
    }
}
