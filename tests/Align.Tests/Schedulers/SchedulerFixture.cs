using Torch;

namespace Align.Tests.Schedulers;

/// <summary>Fixtures/schedulers_extra.safetensors, written by Fixtures/gen_schedulers.py (read from the source tree).</summary>
internal static class SchedulerFixture
{
    public static SafetensorsFile Open()
    {
        string path = Path.Combine(Reference.RepositoryRoot, "tests", "Align.Tests", "Schedulers", "Fixtures", "schedulers_extra.safetensors");
        Assert.True(File.Exists(path), $"fixture {path} is missing: run Fixtures/gen_schedulers.py");
        return Safetensors.Open(path);
    }
}
