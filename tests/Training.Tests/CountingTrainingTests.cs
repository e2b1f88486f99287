using System.Text.Json;
using Align.Imaging;
using Align.Rewards;
using Align.ShapeWorld;
using Torch;
using Training.Pretraining;

namespace Training.Tests;

/// <summary>Training the ShapeWorld counter: its targets and the <c>train-counter</c> command.</summary>
public class CountingTrainingTests
{
    // A directory of rendered scenes written as PNGs, standing in for the generator's images (the detector labels both alike).
    private static TempDirectory GeneratedImages(int count, int size = SceneRenderer.DefaultSize)
    {
        var temp = new TempDirectory("counted");
        string dir = temp.Path;
        Directory.CreateDirectory(Path.Combine(dir, "counting"));
        for (int i = 0; i < count; i++)
        {
            RgbImage image = SceneRenderer.Render(CaptionedScenes.Generate(Split.Train, 3, i, Category.Counting).Scene, size);
            File.WriteAllBytes(Path.Combine(dir, "counting", $"{i}.png"), PngEncoder.Encode(image.ToBytes(), size, size, 3));
        }
        return temp;
    }

    [Fact]
    public void EachObjectAddsOneToItsClassCountAndAUnitMassNearItsCentroid()
    {
        using var scope = torch.NewDisposeScope();
        var objects = new[]
        {
            new Detection(Shape.Circle, Colour.Red, 0.1, 0.1, 0.3, 0.3, 0.2, 0.2, 0.03),
            new Detection(Shape.Circle, Colour.Red, 0.6, 0.6, 0.8, 0.8, 0.7, 0.7, 0.03),
            new Detection(Shape.Square, Colour.Blue, 0.6, 0.1, 0.8, 0.3, 0.7, 0.2, 0.04),
        };
        (Tensor counts, Tensor densities) = CountingData.Targets([new CountedImage([], objects)], 16);

        float[] c = counts.ToArray<float>();
        Assert.Equal(2f, c[CountHead.ClassOf(Shape.Circle, Colour.Red)]);
        Assert.Equal(1f, c[CountHead.ClassOf(Shape.Square, Colour.Blue)]);
        Assert.Equal(3f, c.Sum());
        Assert.Equal(c, densities.Sum([2, 3]).ToArray<float>().Select(v => MathF.Round(v, 4)).ToArray());
        Tensor squareMap = densities[0, CountHead.ClassOf(Shape.Square, Colour.Blue)];
        Assert.True(squareMap[3, 11].ToDouble() > squareMap[11, 3].ToDouble(), "the square's mass lies near (0.7, 0.2): row 3, column 11");
    }

    [Fact]
    public void TrainCounterWritesACounterRewardAndItsReport()
    {
        using TempDirectory generated = GeneratedImages(20), temp = new("counter");
        string images = generated.Path, dir = temp.Path;

        (int exit, string output) = TestFiles.AlignTrain("train-counter", "--out", dir, "--generated", images, "--steps", "5", "--channels", "8",
            "--blocks", "1", "--rendered-per-step", "4", "--generated-per-step", "4");

        Assert.True(exit == 0, output);
        Assert.Contains("generated images: 18 for training, 2 held out", output);
        Assert.Matches(@"generated \(held out\): +\d+\.\d% of 2 images counted exactly", output);
        using IRewardModel counter = RewardModels.Load(dir, "count", Device.CPU);
        Assert.IsType<CountReward>(counter);
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "train", "report.json")));
        Assert.Equal(500, report.RootElement.GetProperty("rendered").GetProperty("images").GetInt32());
        Assert.Equal(2, report.RootElement.GetProperty("generated").GetProperty("images").GetInt32());
    }

    [Fact]
    public void TrainCounterNamesAMissingDirectoryAndAnImageOfTheWrongSize()
    {
        using var temp = new TempDirectory("counter");
        string dir = temp.Path, missing = Path.Combine(dir, "nowhere");

        (int exit, string output) = TestFiles.AlignTrain("train-counter", "--out", Path.Combine(dir, "a"), "--generated", missing, "--steps", "1");
        Assert.Equal(2, exit);
        Assert.Contains($"{missing}: directory not found", output);

        using TempDirectory small = GeneratedImages(1, size: 32);
        (exit, output) = TestFiles.AlignTrain("train-counter", "--out", Path.Combine(dir, "b"), "--generated", small.Path, "--steps", "1");
        Assert.Equal(2, exit);
        Assert.Contains("is 32×32, the counter reads 64×64", output);
        Assert.False(Directory.Exists(Path.Combine(dir, "b")), "nothing is written when the input is refused");
    }
}
