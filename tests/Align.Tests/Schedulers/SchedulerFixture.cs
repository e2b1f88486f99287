using Torch;

namespace Align.Tests.Schedulers;

/// <summary>
/// Fixtures/schedulers_extra.safetensors (written by Fixtures/gen_schedulers.py) and Fixtures/dpmsolver.safetensors
/// (gen_dpmsolver.py), read from the source tree.
/// </summary>
internal static class SchedulerFixture
{
    public static SafetensorsFile Open(string file = "schedulers_extra.safetensors")
    {
        string path = Path.Combine(Reference.RepositoryRoot, "tests", "Align.Tests", "Schedulers", "Fixtures", file);
        Assert.True(File.Exists(path), $"fixture {path} is missing: run the Fixtures/gen_*.py script that writes it");
        return Safetensors.Open(path);
    }
}
