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
    IReadOnlyDictionary<string, string> Annotations);
