namespace Align.Adapters.Store;

/// <summary>
/// One published version of an adapter: where its files are, when it was published, each file's SHA-256, and what the
/// publisher said about it (method, base model, metrics; free-form).
/// </summary>
public sealed record AdapterVersion(
    string Name,
    string Version,
    string Directory,
    DateTimeOffset PublishedAt,
    IReadOnlyDictionary<string, string> Files,
    IReadOnlyDictionary<string, string> Annotations)
{
    /// <summary>The version as a number (the store only names versions 1, 2, …), for ordering versions.</summary>
    public int Number => int.Parse(Version, System.Globalization.CultureInfo.InvariantCulture);
}
