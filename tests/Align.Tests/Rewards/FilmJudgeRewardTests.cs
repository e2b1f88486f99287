using Align.Models;
using Align.Models.Clip;
using Align.Rewards;
using Align.Text;
using Torch;

namespace Align.Tests.Rewards;

/// <summary>The FiLM judge: its directory layout, what its score is, what it is differentiable in, and what it refuses.</summary>
public class FilmJudgeRewardTests
{
    /// <summary>
    /// A judge directory: the tiny CLIP's text tower and tokenizer (or, <paramref name="wholeClip"/>, its whole CLIPModel
    /// directory, as judges were saved before) plus a FiLM head of random weights (seed 11) in <c>film_head/</c>.
    /// </summary>
    private static TempDirectory WriteDirectory(Func<ClipTextModel, FilmConfig>? config = null, bool wholeClip = false)
    {
        var temp = new TempDirectory("film");
        string dir = temp.Path;
        string source = Reference.Model("tiny-clip-reward");
        using var text = ClipTextModel.FromPretrained(source);
        if (wholeClip)
            foreach (string file in Directory.GetFiles(source)) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        else
        {
            text.SavePretrained(dir);
            ClipTokenizer.CopyFiles(source, dir);
        }
        torch.ManualSeed(11);
        using FilmHead head = config is null ? FilmJudgeReward.NewHead(text, imageSize: 32, channels: 8, blocks: 2) : new FilmHead(config(text));
        head.SavePretrained(Path.Combine(dir, FilmJudgeReward.HeadDirectory));
        return temp;
    }

    [Fact]
    public void LoadsByItsLayoutAndScoresTheLogProbabilityOfAMatch()
    {
        using TempDirectory dir = WriteDirectory();
        using IRewardModel loaded = RewardModels.Load(dir.Path, "shapeworld-film", Device.CPU);
        var judge = Assert.IsType<FilmJudgeReward>(loaded);
        Assert.Equal("shapeworld-film", judge.Name);
        MatchingJudgeChecks.ScoresTheLogProbabilityOfAMatch(judge);
    }

    [Fact]
    public void AJudgeSavedWithTheWholeClipModelReadsItsTextTowerAndSavesThatAlone()
    {
        using var scope = torch.NewDisposeScope();
        using TempDirectory wholeTemp = WriteDirectory(wholeClip: true);
        string whole = wholeTemp.Path;
        using TempDirectory currentTemp = WriteDirectory();
        using FilmJudgeReward older = FilmJudgeReward.FromPretrained(whole), current = FilmJudgeReward.FromPretrained(currentTemp.Path);
        Tensor images = torch.Rand([2, 3, 32, 32], new Generator(4));
        string[] prompts = ["a red circle", "two blue squares"];
        using (Autograd.NoGrad())
            Assert.Equal(current.Score(images, prompts).ToArray<float>(), older.Score(images, prompts).ToArray<float>());

        using var temp = new TempDirectory("film");
        string resaved = temp.Path;
        older.SavePretrained(resaved);
        Assert.DoesNotContain("vision_config", File.ReadAllText(Path.Combine(resaved, "config.json")));
        Assert.True(new FileInfo(Path.Combine(resaved, "model.safetensors")).Length < new FileInfo(Path.Combine(whole, "model.safetensors")).Length);
    }

    [Fact]
    public void ItSeesWhereThingsAre()
    {
        // A mirrored image is another image to it: the coordinate maps make its features depend on position.
        using var scope = torch.NewDisposeScope();
        using TempDirectory dir = WriteDirectory();
        using FilmJudgeReward judge = FilmJudgeReward.FromPretrained(dir.Path);
        Tensor image = torch.Zeros([1, 3, 32, 32]);
        using (Autograd.NoGrad())
            image.Narrow(3, 0, 8).Fill_(1.0); // a white bar on the left
        float left = judge.Logits(image, ["a bar"]).ToArray<float>()[0], right = judge.Logits(image.Flip([3]), ["a bar"]).ToArray<float>()[0];
        Assert.NotEqual(left, right);
    }

    [Fact]
    public void ItsGradientReachesThePixelsAndSavingKeepsItsScores()
    {
        using TempDirectory dir = WriteDirectory();
        using FilmJudgeReward judge = FilmJudgeReward.FromPretrained(dir.Path);
        MatchingJudgeChecks.FrozenItsGradientReachesThePixelsAndSavingKeepsItsScores(judge, dir => FilmJudgeReward.FromPretrained(dir), 32);
    }

    [Fact]
    public void AHeadSizedForAnotherTextTowerIsRefusedNamingTheSizes()
    {
        using TempDirectory temp = WriteDirectory(text => new FilmConfig { TextSize = text.Config.HiddenSize + 1, ImageSize = 32, Channels = 8, NumBlocks = 1 });
        string dir = temp.Path;
        var e = Assert.Throws<ModelLoadException>(() => RewardModels.Load(dir, "x", Device.CPU));
        Assert.Contains(FilmJudgeReward.HeadDirectory, e.Message);
        Assert.Contains("text embedding of", e.Message);
    }

    [Fact]
    public void PoolingIsReadFromTheConfigAndMaxWhereItIsNotSaid()
    {
        using TempDirectory temp = WriteDirectory(text => new FilmConfig { TextSize = text.Config.HiddenSize, ImageSize = 32, Channels = 8, NumBlocks = 1, Pooling = "max+mean" });
        string dir = temp.Path;
        using (var scope = torch.NewDisposeScope())
        using (var judge = (FilmJudgeReward)RewardModels.Load(dir, "x", Device.CPU))
        {
            Assert.Equal("max+mean", judge.Head.Config.Pooling);
            Assert.Equal(2 * judge.Head.Config.ClassifierSize, judge.Head.classifier_fc1.Weight.Size(1));
            Assert.Equal([2L], judge.Score(torch.Rand([2, 3, 32, 32], new Generator(1)), ["a cat", "two cats"]).Shape);
        }
        // A config written before pooling was configurable has no such key: FiLM's max-pool.
        using TempDirectory olderTemp = WriteDirectory(text => new FilmConfig { TextSize = text.Config.HiddenSize, ImageSize = 32, Channels = 8, NumBlocks = 1, Pooling = "max+mean" });
        string older = WithoutPooling(olderTemp.Path);
        // (its weights were saved for max+mean: the classifier's first layer no longer fits, and loading says so)
        Assert.Throws<ModelLoadException>(() => RewardModels.Load(older, "x", Device.CPU));
        using TempDirectory plainTemp = WriteDirectory();
        using (var judge = (FilmJudgeReward)RewardModels.Load(WithoutPooling(plainTemp.Path), "x", Device.CPU))
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
    public void AnUnknownPoolingIsRefusedNamingTheFile()
    {
        using TempDirectory dir = WriteDirectory();
        MatchingJudgeChecks.RefusesAnEditedHeadConfig(dir.Path, FilmJudgeReward.HeadDirectory, "\"pooling\": \"max\"", "\"pooling\": \"sum\"", "\"sum\"");
    }

    [Fact]
    public void AnInvalidHeadConfigIsRefusedNamingTheFile()
    {
        using TempDirectory dir = WriteDirectory();
        MatchingJudgeChecks.RefusesAnEditedHeadConfig(dir.Path, FilmJudgeReward.HeadDirectory, "\"patch\": 4", "\"patch\": 5", "multiple of patch");
    }
}
