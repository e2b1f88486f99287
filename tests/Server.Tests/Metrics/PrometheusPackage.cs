namespace Server.Tests.Metrics;

/// <summary>The binaries of the Debian package "prometheus", which the peer tests need (scripts/test.sh installs it).</summary>
internal static class PrometheusPackage
{
    public static string Promtool => Find("promtool");
    public static string Server => Find("prometheus");

    private static string Find(string name)
    {
        IEnumerable<string> directories = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin");
        string? found = directories.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
        Assert.True(found is not null,
            $"'{name}' was not found on PATH: install the Debian package 'prometheus' (apt-get install -y prometheus; scripts/test.sh installs it)");
        return found!;
    }
}
