using Align.Models;
using Align.Models.Clip;
using Align.Rewards;
using Torch;

namespace Align.Tests.Rewards;

/// <summary>The FiLM judge: its directory layout, what its score is, what it is differentiable in, and what it refuses.</summary>
public class FilmJudgeRewardTests
{
    /// <summary>The tiny CLIP's directory (towers and tokenizer) plus a FiLM head of random weights in <c>film_head/</c>.</summary>
    private static string WriteDirectory(Func<ClipModel, FilmConfig>? config = null) =>
        MatchingJudgeChecks.WriteDirectory(FilmJudgeReward.HeadDirectory,
            clip => config is null ? FilmJudgeReward.NewHead(clip, imageSize: 32, channels: 8, blocks: 2) : new FilmHead(config(clip)),
            (head, dir) => ((FilmHead)head).SavePretrained(dir));

    [Fact]
    public void LoadsByItsLayoutAndScoresTheLogProbabilityOfAMatch()
    {
        using IRewardModel loaded = RewardModels.Load(WriteDirectory(), "shapeworld-film", Device.CPU);
        var judge = Assert.IsType<FilmJudgeReward>(loaded);
        Assert.Equal("shapeworld-film", judge.Name);
        MatchingJudgeChecks.ScoresTheLogProbabilityOfAMatch(judge);
    }

    [Fact]
    public void ItSeesWhereThingsAre()
    {
        // A mirrored image is another image to it: the coordinate maps make its features depend on position.
        using var scope = torch.NewDisposeScope();
        using FilmJudgeReward judge = FilmJudgeReward.FromPretrained(WriteDirectory());
        Tensor image = torch.Zeros([1, 3, 32, 32]);
        using (Autograd.NoGrad())
            image.Narrow(3, 0, 8).Fill_(1.0); // a white bar on the left
        float left = judge.Logits(image, ["a bar"]).ToArray<float>()[0], right = judge.Logits(image.Flip([3]), ["a bar"]).ToArray<float>()[0];
        Assert.NotEqual(left, right);
    }

    [Fact]
    public void ItsGradientReachesThePixelsAndSavingKeepsItsScores()
    {
        using FilmJudgeReward judge = FilmJudgeReward.FromPretrained(WriteDirectory());
        MatchingJudgeChecks.FrozenItsGradientReachesThePixelsAndSavingKeepsItsScores(judge, dir => FilmJudgeReward.FromPretrained(dir), 32);
    }

    [Fact]
    public void AHeadSizedForAnotherTextTowerIsRefusedNamingTheSizes()
    {
        string dir = WriteDirectory(clip => new FilmConfig { TextSize = clip.TextConfig.HiddenSize + 1, ImageSize = 32, Channels = 8, NumBlocks = 1 });
        var e = Assert.Throws<ModelLoadException>(() => RewardModels.Load(dir, "x", Device.CPU));
        Assert.Contains(FilmJudgeReward.HeadDirectory, e.Message);
        Assert.Contains("text embedding of", e.Message);
    }

    [Fact]
    public void PoolingIsReadFromTheConfigAndMaxWhereItIsNotSaid()
    {
        string dir = WriteDirectory(clip => new FilmConfig { TextSize = clip.TextConfig.HiddenSize, ImageSize = 32, Channels = 8, NumBlocks = 1, Pooling = "max+mean" });
        using (var scope = torch.NewDisposeScope())
        using (var judge = (FilmJudgeReward)RewardModels.Load(dir, "x", Device.CPU))
        {
            Assert.Equal("max+mean", judge.Head.Config.Pooling);
            Assert.Equal(2 * judge.Head.Config.ClassifierSize, judge.Head.classifier_fc1.Weight.Size(1));
            Assert.Equal([2L], judge.Score(torch.Rand([2, 3, 32, 32], new Generator(1)), ["a cat", "two cats"]).Shape);
        }
        // A config written before pooling was configurable has no such key: FiLM's max-pool.
        string older = WithoutPooling(WriteDirectory(clip => new FilmConfig { TextSize = clip.TextConfig.HiddenSize, ImageSize = 32, Channels = 8, NumBlocks = 1, Pooling = "max+mean" }));
        // (its weights were saved for max+mean: the classifier's first layer no longer fits, and loading says so)
        Assert.Throws<ModelLoadException>(() => RewardModels.Load(older, "x", Device.CPU));
        using (var judge = (FilmJudgeReward)RewardModels.Load(WithoutPooling(WriteDirectory()), "x", Device.CPU))
            Assert.Equal("max", judge.Head.Config.Pooling);
    }

    // The judge directory with "pooling" taken out of its head's config.
    private static string WithoutPooling(string dir)
    {
        string config = Path.Combine(dir, FilmJudgeReward.HeadDirectory, "config.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(config))!.AsObject();
        Assert.True(json.Remove("pooling"));
        File.WriteAllText(config, json.ToJsonString());
        return dir;
    }

    [Fact]
    public void AnUnknownPoolingIsRefusedNamingTheFile() =>
        MatchingJudgeChecks.RefusesAnEditedHeadConfig(WriteDirectory(), FilmJudgeReward.HeadDirectory, "\"pooling\": \"max\"", "\"pooling\": \"sum\"", "\"sum\"");

    [Fact]
    public void AnInvalidHeadConfigIsRefusedNamingTheFile() =>
        MatchingJudgeChecks.RefusesAnEditedHeadConfig(WriteDirectory(), FilmJudgeReward.HeadDirectory, "\"patch\": 4", "\"patch\": 5", "multiple of patch");
}
