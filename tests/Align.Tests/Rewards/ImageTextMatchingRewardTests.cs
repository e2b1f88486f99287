using Align.Models;
using Align.Models.Clip;
using Align.Rewards;
using Torch;

namespace Align.Tests.Rewards;

/// <summary>The image-text matching judge: its directory layout, what its score is, and what it must not depend on.</summary>
public class ImageTextMatchingRewardTests
{
    /// <summary>The tiny CLIP's directory (towers and tokenizer) plus a head of random weights in <c>itm_head/</c>.</summary>
    internal static TempDirectory WriteDirectory() =>
        MatchingJudgeChecks.WriteDirectory(ImageTextMatchingReward.HeadDirectory, clip => ImageTextMatchingReward.NewHead(clip),
            (head, dir) => ((ImageTextMatchingHead)head).SavePretrained(dir));

    [Fact]
    public void LoadsByItsLayoutAndScoresTheLogProbabilityOfAMatch()
    {
        using TempDirectory dir = WriteDirectory();
        using IRewardModel loaded = RewardModels.Load(dir.Path, "shapeworld-itm", Device.CPU);
        var judge = Assert.IsType<ImageTextMatchingReward>(loaded);
        Assert.Equal("shapeworld-itm", judge.Name);
        MatchingJudgeChecks.ScoresTheLogProbabilityOfAMatch(judge);
    }

    [Fact]
    public void APromptsScoreDoesNotDependOnWhatItIsBatchedWith()
    {
        using var scope = torch.NewDisposeScope();
        using TempDirectory dir = WriteDirectory();
        using ImageTextMatchingReward judge = ImageTextMatchingReward.FromPretrained(dir.Path);
        Tensor image = torch.Rand([1, 3, 32, 32], new Generator(3));
        float alone = judge.Score(image, ["a cat"]).ToArray<float>()[0];
        // beside a much longer prompt the short one is padded: padding must not reach its score
        float padded = judge.Score(torch.Cat([image, image], 0), ["a cat", "a very long prompt about many different shapes in many colours"]).ToArray<float>()[0];
        Assert.Equal(alone, padded, 4);
        Assert.NotEqual(alone, judge.Score(image, ["a dog"]).ToArray<float>()[0]);
    }

    [Fact]
    public void ItsGradientReachesEveryPixelAndSavingKeepsItsScores()
    {
        using TempDirectory dir = WriteDirectory();
        using ImageTextMatchingReward judge = ImageTextMatchingReward.FromPretrained(dir.Path);
        MatchingJudgeChecks.FrozenItsGradientReachesThePixelsAndSavingKeepsItsScores(judge, dir => ImageTextMatchingReward.FromPretrained(dir), 30);
    }

    [Fact]
    public void AHeadSizedForOtherTowersIsRefusedNamingTheSizes()
    {
        using TempDirectory temp = WriteDirectory();
        string dir = temp.Path;
        using (ClipModel clip = ClipModel.FromPretrained(dir))
        using (var other = new ImageTextMatchingHead(new ImageTextMatchingConfig
               {
                   HiddenSize = clip.TextConfig.HiddenSize, ContextSize = 2 * clip.VisionConfig.HiddenSize, NumLayers = 1, NumAttentionHeads = 2,
               }))
            other.SavePretrained(Path.Combine(dir, ImageTextMatchingReward.HeadDirectory));
        var e = Assert.Throws<ModelLoadException>(() => RewardModels.Load(dir, "x", Device.CPU));
        Assert.Contains(ImageTextMatchingReward.HeadDirectory, e.Message);
        Assert.Contains("image tokens of", e.Message);
    }

    [Fact]
    public void AnInvalidHeadConfigIsRefusedNamingTheFile()
    {
        using TempDirectory dir = WriteDirectory();
        MatchingJudgeChecks.RefusesAnEditedHeadConfig(dir.Path, ImageTextMatchingReward.HeadDirectory, "\"num_attention_heads\": 4", "\"num_attention_heads\": 5",
            "multiple of num_attention_heads");
    }
}
