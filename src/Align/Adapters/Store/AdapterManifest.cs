using System.Text.Json;

namespace Align.Adapters.Store;

/// <summary>
/// <c>NAME/manifest.json</c>: the current version of one adapter.
/// <code>{"name": "dpo-shapes", "current": "3", "published_at": "…", "files": {"adapter_model.safetensors": "sha256…"}, "annotations": {…}}</code>
/// </summary>
internal static class AdapterManifest
{
    private sealed record Document(string Name, string Current, DateTimeOffset PublishedAt, Dictionary<string, string> Files, Dictionary<string, string>? Annotations);

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        RespectRequiredConstructorParameters = true,
    };

    public static void Write(Stream stream, AdapterVersion version) =>
        JsonSerializer.Serialize(stream, new Document(version.Name, version.Version, version.PublishedAt,
            new Dictionary<string, string>(version.Files), new Dictionary<string, string>(version.Annotations)), Json);

    /// <summary>Reads a manifest; throws InvalidDataException when it does not parse or names a version that is not there.</summary>
    public static AdapterVersion Read(string path, string folder)
    {
        Document doc;
        try
        {
            doc = JsonSerializer.Deserialize<Document>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path}: empty manifest");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid manifest ({e.Message})", e);
        }
        string name = Path.GetFileName(folder);
        if (doc.Name != name) throw new InvalidDataException($"{path}: names adapter '{doc.Name}', but sits in the folder of '{name}'");
        if (doc.Files.Count == 0 || doc.Files.Keys.Any(f => f != Path.GetFileName(f) || f.StartsWith('.')))
            throw new InvalidDataException($"{path}: its file list must name plain files of the version folder");
        if (!int.TryParse(doc.Current, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
            throw new InvalidDataException($"{path}: current version '{doc.Current}' is not a version number");
        string directory = Path.Combine(folder, doc.Current);
        if (!Directory.Exists(directory)) throw new InvalidDataException($"{path}: current version {doc.Current} has no folder");
        return new AdapterVersion(name, doc.Current, directory, doc.PublishedAt, doc.Files, doc.Annotations ?? []);
    }
}
