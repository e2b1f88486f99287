using System.Globalization;
using Align.Models;
using Align.Rewards;
using Torch;

namespace Training.Rewards;

/// <summary>A reward given on the command line (a training objective's, an evaluation's): its name (in metrics and metadata), its model directory, and its weight.</summary>
public sealed record RewardSpec(string Name, string Directory, double Weight)
{
    /// <summary>
    /// <c>NAME=DIR:WEIGHT</c>, <c>NAME=DIR</c>, <c>DIR:WEIGHT</c> or <c>DIR</c>; the name defaults to the directory's own
    /// name and the weight to 1.
    /// </summary>
    /// <exception cref="ArgumentException">an empty name or directory</exception>
    public static RewardSpec Parse(string text)
    {
        string rest = text.Trim(), name = "";
        int equals = rest.IndexOf('=');
        if (equals >= 0 && rest.IndexOf('/') is var slash && (slash < 0 || equals < slash))
            (name, rest) = (rest[..equals].Trim(), rest[(equals + 1)..].Trim());
        double weight = 1.0;
        int colon = rest.LastIndexOf(':');
        if (colon > 0 && double.TryParse(rest[(colon + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double w))
            (weight, rest) = (w, rest[..colon]);
        if (rest.Length == 0) throw new ArgumentException($"--reward '{text}': no directory (NAME=DIR:WEIGHT, or DIR)");
        if (equals >= 0 && name.Length == 0) throw new ArgumentException($"--reward '{text}': empty name before '='");
        if (name.Length == 0) name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(rest)));
        return new RewardSpec(name, rest, weight);
    }

    /// <summary>
    /// Loads each reward model on <paramref name="device"/> in evaluation mode with its weights frozen (only the images
    /// are differentiated), as one ensemble named <paramref name="name"/>.
    /// </summary>
    /// <exception cref="ArgumentException">duplicated names, invalid weights</exception>
    /// <exception cref="ModelLoadException">a directory that is not a reward model</exception>
    public static LoadedRewards Load(IReadOnlyList<RewardSpec> specs, Device device, string name)
    {
        var models = new List<IRewardModel>();
        try
        {
            foreach (RewardSpec spec in specs) models.Add(RewardModels.Freeze(RewardModels.Load(spec.Directory, spec.Name, device)));
            return new LoadedRewards(new RewardEnsemble(models.Select((m, i) => new WeightedReward(m, specs[i].Weight)), name), models);
        }
        catch
        {
            foreach (IRewardModel m in models) m.Dispose();
            throw;
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name}={Directory}:{Weight}");
}
