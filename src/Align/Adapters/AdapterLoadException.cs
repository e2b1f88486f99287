namespace Align.Adapters;

/// <summary>An adapter that cannot be read: missing, not safetensors, malformed, or in a format this server does not read.</summary>
public class AdapterLoadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// An adapter that does not fit the base model: tensors for layers the model lacks, shapes that do not fit, A and B of
/// different ranks, keys of no LoRA form. The message names a few offending keys and how many there are.
/// </summary>
public sealed class AdapterMismatchException : AdapterLoadException
{
    private const int Shown = 5;

    public AdapterMismatchException(string adapter, IReadOnlyList<(string Key, string Problem)> problems)
        : base(Describe(adapter, problems))
    {
        Problems = problems;
    }

    /// <summary>Every offending key with what is wrong with it.</summary>
    public IReadOnlyList<(string Key, string Problem)> Problems { get; }

    private static string Describe(string adapter, IReadOnlyList<(string Key, string Problem)> problems)
    {
        string shown = string.Join("; ", problems.Take(Shown).Select(p => $"'{p.Key}': {p.Problem}"));
        string more = problems.Count > Shown ? $"; and {problems.Count - Shown} more" : "";
        return $"adapter '{adapter}' does not fit the model: {problems.Count} offending key{(problems.Count == 1 ? "" : "s")}: {shown}{more}";
    }
}
