using Align.Models;
using Align.Rewards;
using Torch;

namespace Align.Tests.Rewards;

/// <summary>RewardModels.Load recognises each reward directory layout and refuses others clearly.</summary>
public class RewardModelsTests
{
    [Fact]
    public void RecognisesEachLayout()
    {
        using var scope = torch.NewDisposeScope();
        Tensor images = torch.Rand([1, 3, 32, 32], new Generator(4));
        string[] prompts = ["a photo of a cat"];

        using (IRewardModel pick = RewardModels.Load(Reference.Model("tiny-clip-reward"), "pickscore", Device.CPU))
        {
            Assert.IsType<ClipScoreReward>(pick);
            Assert.Equal("pickscore", pick.Name);
            Assert.Equal([1L], pick.Score(images, prompts).Shape);
        }
        using (var dir = new TempDirectory("aesthetic"))
        using (IRewardModel aesthetic = RewardModels.Load(AestheticRewardTests.WriteCheckpoint(dir.Path).Dir, "aesthetic", Device.CPU))
        {
            Assert.IsType<AestheticReward>(aesthetic);
            Assert.Equal([1L], aesthetic.Score(images, prompts).Shape);
        }
        using (TempDirectory dir = ImageTextMatchingRewardTests.WriteDirectory())
        using (IRewardModel judge = RewardModels.Load(dir.Path, "itm", Device.CPU))
        {
            Assert.IsType<ImageTextMatchingReward>(judge);
            Assert.Equal([1L], judge.Score(images, prompts).Shape);
        }
        using (TempDirectory dir = HpsV2RewardTests.WriteOpenClipDirectory())
        using (IRewardModel hps = RewardModels.Load(dir.Path, "hpsv2", Device.CPU))
        {
            Assert.IsType<HpsV2Reward>(hps);
            Assert.Equal("hpsv2", hps.Name);
            Assert.Equal([1L], hps.Score(images, prompts).Shape);
        }
    }

    [Fact]
    public void UnknownLayoutsFailClearly()
    {
        // A diffusers component directory: a config.json, but not a CLIPModel's.
        var e = Assert.Throws<ModelLoadException>(() => RewardModels.Load(Path.Combine(Reference.Model("tiny-sd15"), "vae"), "x", Device.CPU));
        Assert.Contains("not a reward model directory", e.Message);
        using var temp = new TempDirectory("no-reward");
        string empty = temp.Path;
        e = Assert.Throws<ModelLoadException>(() => RewardModels.Load(empty, "x", Device.CPU));
        Assert.Contains(OpenClipConfig.FileName, e.Message);
        Assert.Contains(ImageTextMatchingReward.HeadDirectory, e.Message);
        e = Assert.Throws<ModelLoadException>(() => RewardModels.Load(Path.Combine(empty, "missing"), "x", Device.CPU));
        Assert.Contains("directory not found", e.Message);
    }
}
