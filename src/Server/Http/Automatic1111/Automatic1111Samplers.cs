using Server.Models;

namespace Server.Http.Automatic1111;

/// <summary>
/// A1111's sampler names for the schedulers this server runs. A model samples with the scheduler its files configure, so
/// a request may name that model's sampler (or leave it out); any other name is refused listing the names that work.
/// </summary>
public static class Automatic1111Samplers
{
    public sealed record Sampler(string Name, IReadOnlyList<string> Aliases, IReadOnlyDictionary<string, string> Options);

    private static readonly Dictionary<string, Sampler> ByScheduler = new(StringComparer.Ordinal)
    {
        ["EulerDiscreteScheduler"] = new("Euler", ["k_euler"], new Dictionary<string, string>()),
        ["DDIMScheduler"] = new("DDIM", ["ddim"], new Dictionary<string, string>()),
        ["LCMScheduler"] = new("LCM", ["k_lcm"], new Dictionary<string, string>()),
    };

    /// <summary>The sampler of a loaded model (every scheduler the server can load has one).</summary>
    public static Sampler Of(ServedModel model) => ByScheduler[model.Pipeline.SchedulerClass];

    /// <summary>The samplers of the loaded models, each once.</summary>
    public static IReadOnlyList<Sampler> Served(ModelCatalog catalog) =>
        catalog.Configured.Select(m => catalog.Get(m.Name)).OfType<ServedModel>().Select(Of).Distinct().ToArray();

    public static bool Names(Sampler sampler, string name) =>
        sampler.Name.Equals(name, StringComparison.OrdinalIgnoreCase) || sampler.Aliases.Contains(name, StringComparer.OrdinalIgnoreCase);
}
