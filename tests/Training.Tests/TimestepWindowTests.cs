using Training.Dpo;

namespace Training.Tests;

public sealed class TimestepWindowTests
{
    [Fact]
    public void DrawsEveryTimestepOfTheWindowAndNoOther()
    {
        TimestepWindow window = TimestepWindow.Parse("400:410", 1000);
        Assert.Equal(new TimestepWindow(400, 410), window);
        Assert.Equal("400:410", window.ToString()); // what the adapter's hyperparameters record, read back by Parse
        var random = new Random(3);
        long[] drawn = Enumerable.Range(0, 2000).Select(_ => window.Draw(random)).ToArray();
        Assert.Equal(Enumerable.Range(400, 10).Select(t => (long)t), drawn.Distinct().Order());
    }

    [Theory]
    [InlineData("400")]
    [InlineData("400:500:600")]
    [InlineData("1.5:10")]
    [InlineData("-1:10")]
    [InlineData("10:10")]
    [InlineData("0:1001")]
    public void RefusesAWindowThatIsNotInsideTheSchedule(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => TimestepWindow.Parse(text, 1000));
        Assert.Contains("--timesteps", e.Message);
    }
}
