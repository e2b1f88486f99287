using System.Security.Cryptography;
using System.Text.Json;
using Align.Rewards;
using Torch;

namespace Training.Tests;

/// <summary><c>align-train ship-judge</c>: a trained judge joins a shipped model directory and its manifest, or nothing changes.</summary>
public sealed class ShipJudgeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ship-judge").FullName;
    private static string ShapeWorldReward => Path.Combine(Shared.RepositoryRoot, "models", "shapeworld", "reward");

    public void Dispose() => Directory.Delete(_dir, true);

    // A shipped directory with one file and its manifest entry.
    private string Shipped()
    {
        string to = Path.Combine(_dir, "shipped");
        Directory.CreateDirectory(Path.Combine(to, "model"));
        File.WriteAllText(Path.Combine(to, "model", "a.txt"), "weights");
        var manifest = new { name = "shapeworld", files = new Dictionary<string, string> { ["model/a.txt"] = Sha256(Path.Combine(to, "model", "a.txt")) } };
        File.WriteAllText(Path.Combine(to, "manifest.json"), JsonSerializer.Serialize(manifest));
        return to;
    }

    // A FiLM judge as train-itm writes it, after one step.
    private string TrainFilmJudge()
    {
        string judge = Path.Combine(_dir, "film");
        (int exit, string output) = TestFiles.AlignTrain("train-itm", "--from", ShapeWorldReward, "--out", judge, "--steps", "1", "--pairs", "2",
            "--head", "film", "--layers", "1", "--channels", "8");
        Assert.True(exit == 0, output);
        return judge;
    }

    private static void CopyFiles(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    [Fact]
    public void TheJudgeIsCopiedWithoutItsTrainingRunAndEveryFileIsInTheManifest()
    {
        string judge = TrainFilmJudge();
        string to = Shipped();
        for (int round = 0; round < 2; round++) // shipping again replaces the judge
        {
            (int exit, string output) = AlignTrain.Run("ship-judge", "--from", judge, "--to", to, "--note", $"round {round}");
            Assert.True(exit == 0, output);
        }
        Assert.Equal(["judge", "manifest.json", "model", "report"], Directory.EnumerateFileSystemEntries(to).Select(Path.GetFileName).Order());
        Assert.False(Directory.Exists(Path.Combine(to, "judge", "train")), "the training run was shipped");
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(to, "manifest.json")));
        JsonElement shipped = manifest.RootElement.GetProperty("judge");
        Assert.Equal(("film", "round 1"), (shipped.GetProperty("kind").GetString(), shipped.GetProperty("note").GetString()));
        Assert.Equal(600, shipped.GetProperty("ranking").GetProperty("judge").GetProperty("scenes").GetInt32());
        var files = manifest.RootElement.GetProperty("files").EnumerateObject().ToDictionary(f => f.Name, f => f.Value.GetString());
        string[] onDisk = Directory.GetFiles(to, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(to, f).Replace('\\', '/'))
            .Where(f => f != "manifest.json").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(onDisk, files.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("judge/film_head/model.safetensors", onDisk);
        Assert.Contains("report/judge-loss.png", onDisk);
        foreach ((string name, string? hash) in files) Assert.True(hash == Sha256(Path.Combine(to, name)), $"{name} differs from its manifest sha256");
        using var scope = torch.NewDisposeScope();
        using IRewardModel loaded = RewardModels.Load(Path.Combine(to, "judge"), "shapeworld-judge", Device.CPU);
        Assert.IsType<FilmJudgeReward>(loaded);
    }

    [Fact]
    public void ASecondJudgeShipsUnderItsOwnNameBesideTheFirst()
    {
        string judge = TrainFilmJudge();
        string to = Shipped();
        foreach (string name in new[] { "judge", "judge-hindsight" })
        {
            (int exit, string output) = AlignTrain.Run("ship-judge", "--from", judge, "--to", to, "--as", name, "--note", name);
            Assert.True(exit == 0, output);
            Assert.Contains($"to {Path.Combine(to, name)}", output);
        }
        Assert.Equal(["judge", "judge-hindsight", "manifest.json", "model", "report"], Directory.EnumerateFileSystemEntries(to).Select(Path.GetFileName).Order());
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(to, "manifest.json")));
        Assert.Equal(("judge", "judge-hindsight"),
            (manifest.RootElement.GetProperty("judge").GetProperty("note").GetString(), manifest.RootElement.GetProperty("judge-hindsight").GetProperty("note").GetString()));
        string[] files = manifest.RootElement.GetProperty("files").EnumerateObject().Select(f => f.Name).ToArray();
        Assert.Contains("judge/film_head/model.safetensors", files);
        Assert.Contains("judge-hindsight/film_head/model.safetensors", files);
        Assert.Contains("report/judge-loss.png", files);
        Assert.Contains("report/judge-hindsight-loss.png", files);
        using var scope = torch.NewDisposeScope();
        using IRewardModel loaded = RewardModels.Load(Path.Combine(to, "judge-hindsight"), "shapeworld-judge-hindsight", Device.CPU);
        Assert.IsType<FilmJudgeReward>(loaded);
    }

    [Fact]
    public void TheCounterShipsAsCounterWithItsCountingReportAndAJudgeIsRefusedThere()
    {
        string counter = Path.Combine(_dir, "counter-run");
        (int exit, string output) = TestFiles.AlignTrain("train-counter", "--out", counter, "--steps", "1", "--channels", "8", "--blocks", "1", "--rendered-per-step", "2");
        Assert.True(exit == 0, output);
        string to = Shipped();

        (exit, output) = AlignTrain.Run("ship-judge", "--from", counter, "--to", to, "--as", "counter", "--note", "one step");
        Assert.True(exit == 0, output);
        Assert.Contains($"shipped the counter {counter}", output);
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(to, "manifest.json")));
        JsonElement entry = manifest.RootElement.GetProperty("counter");
        Assert.Equal("count", entry.GetProperty("kind").GetString());
        Assert.Equal(500, entry.GetProperty("counting").GetProperty("rendered").GetProperty("images").GetInt32());
        string[] files = manifest.RootElement.GetProperty("files").EnumerateObject().Select(f => f.Name).ToArray();
        Assert.Contains("counter/count_head/model.safetensors", files);
        Assert.DoesNotContain(files, f => f.StartsWith("counter/train", StringComparison.Ordinal));
        using (IRewardModel loaded = RewardModels.Load(Path.Combine(to, "counter"), "shapeworld-counter", Device.CPU))
            Assert.IsType<CountReward>(loaded);

        string before = File.ReadAllText(Path.Combine(to, "manifest.json"));
        (exit, output) = AlignTrain.Run("ship-judge", "--from", Path.Combine(Shared.RepositoryRoot, "models", "shapeworld", "judge"), "--to", to, "--as", "counter");
        Assert.Equal(2, exit);
        Assert.Contains("not a counter trained by train-counter", output);
        Assert.Equal(before, File.ReadAllText(Path.Combine(to, "manifest.json")));
    }

    [Theory]
    [InlineData("model")]
    [InlineData("judge-")]
    [InlineData("judge/../model")]
    [InlineData("Judge-B")]
    public void ANameThatIsNotAJudgesIsRefusedBeforeAnythingIsRead(string name)
    {
        string to = Shipped();
        string before = File.ReadAllText(Path.Combine(to, "manifest.json"));
        (int exit, string output) = AlignTrain.Run("ship-judge", "--from", Path.Combine(_dir, "missing"), "--to", to, "--as", name);
        Assert.Equal(2, exit);
        Assert.Contains($"--as {name}: a judge's name is", output);
        Assert.Equal(before, File.ReadAllText(Path.Combine(to, "manifest.json")));
        Assert.Equal(["manifest.json", "model"], Directory.EnumerateFileSystemEntries(to).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void AFilmJudgeSavedWithTheWholeClipModelShipsItsTextTowerAloneAndScoresAlike()
    {
        // as judges were saved before they dropped the vision tower: the CLIPModel directory with the head beside it
        string judge = TrainFilmJudge();
        string older = Path.Combine(_dir, "older");
        CopyFiles(ShapeWorldReward, older);
        CopyFiles(Path.Combine(judge, FilmJudgeReward.HeadDirectory), Path.Combine(older, FilmJudgeReward.HeadDirectory));
        string to = Shipped();
        (int exit, string output) = AlignTrain.Run("ship-judge", "--from", older, "--to", to);
        Assert.True(exit == 0, output);

        string shipped = Path.Combine(to, "judge");
        Assert.DoesNotContain("vision_config", File.ReadAllText(Path.Combine(shipped, "config.json")));
        Assert.True(new FileInfo(Path.Combine(shipped, "model.safetensors")).Length < new FileInfo(Path.Combine(older, "model.safetensors")).Length);
        using var scope = torch.NewDisposeScope();
        using IRewardModel before = RewardModels.Load(older, "judge", Device.CPU), after = RewardModels.Load(shipped, "judge", Device.CPU);
        Tensor images = torch.Rand([2, 3, 64, 64], new Generator(3));
        string[] prompts = ["a red circle", "a blue square left of a green triangle"];
        using (Autograd.NoGrad())
            Assert.Equal(before.Score(images, prompts).ToArray<float>(), after.Score(images, prompts).ToArray<float>());
    }

    [Fact]
    public void ARewardThatIsNotAJudgeIsRefusedAndTheShippedDirectoryIsUnchanged()
    {
        string to = Shipped();
        string before = File.ReadAllText(Path.Combine(to, "manifest.json"));
        (int exit, string output) = AlignTrain.Run("ship-judge", "--from", ShapeWorldReward, "--to", to);
        Assert.Equal(2, exit);
        Assert.Contains("not a judge trained by train-itm", output);
        Assert.Equal(before, File.ReadAllText(Path.Combine(to, "manifest.json")));
        Assert.Equal(["manifest.json", "model"], Directory.EnumerateFileSystemEntries(to).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void AManifestWithoutFilesIsRefusedBeforeAnythingIsCopied()
    {
        string to = Path.Combine(_dir, "shipped");
        Directory.CreateDirectory(to);
        File.WriteAllText(Path.Combine(to, "manifest.json"), """{"name": "shapeworld"}""");
        string shippedJudge = Path.Combine(Shared.RepositoryRoot, "models", "shapeworld", "judge");
        (int exit, string output) = AlignTrain.Run("ship-judge", "--from", shippedJudge, "--to", to);
        Assert.Equal(2, exit);
        Assert.Contains("manifest.json: no \"files\"", output);
        Assert.Equal(["manifest.json"], Directory.EnumerateFileSystemEntries(to).Select(Path.GetFileName));
    }

    [Fact]
    public void ADirectoryWithoutAManifestIsRefused()
    {
        (int exit, string output) = AlignTrain.Run("ship-judge", "--from", ShapeWorldReward, "--to", _dir);
        Assert.Equal(2, exit);
        Assert.Contains("not a shipped model directory (no manifest.json)", output);
    }
}
