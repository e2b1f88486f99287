using Torch;

namespace Align.Tests.Schedulers;

/// <summary>Fixtures/schedulers_extra.safetensors, written by Fixtures/gen_schedulers.py (read from the source tree).</summary>
internal static class SchedulerFixture
{
    public static SafetensorsFile Open()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Server.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        string path = Path.Combine(dir.FullName, "tests", "Align.Tests", "Schedulers", "Fixtures", "schedulers_extra.safetensors");
        Assert.True(File.Exists(path), $"fixture {path} is missing: run Fixtures/gen_schedulers.py");
        return Safetensors.Open(path);
    }
}
