using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Align.Adapters.Store;

/// <summary>
/// The adapter store: a directory (in Kubernetes a mounted volume) with one folder per adapter name, holding numbered
/// version folders and a manifest that names the current one:
/// <code>root/NAME/manifest.json, root/NAME/1/…, root/NAME/2/…</code>
/// Publishing never exposes a partial adapter: files are written into a staging folder beside the versions, flushed to
/// disk and renamed into place as a whole; only then is the manifest replaced (write, flush, rename). A reader sees the
/// old manifest or the new one, and every version a manifest names is complete. The manifest records each file's
/// SHA-256 so a reader can also refuse files damaged after publishing.
/// </summary>
public sealed partial class AdapterStore
{
    public const string ManifestFile = "manifest.json";
    private const string StagingPrefix = ".staging-";

    public AdapterStore(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary>Versions kept per adapter besides the current one (older ones are pruned on publish).</summary>
    public int KeepPrevious { get; init; } = 2;

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex NamePattern();

    /// <summary>Throws ArgumentException unless <paramref name="name"/> is 1–64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit.</summary>
    public static void ValidateName(string name)
    {
        if (!NamePattern().IsMatch(name))
            throw new ArgumentException($"adapter name '{name}' is not valid: use 1-64 characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit", nameof(name));
    }

    /// <summary>
    /// Publishes the files of <paramref name="source"/> (a folder, not recursive) as the next version of
    /// <paramref name="name"/> and makes it current. Returns the published version.
    /// </summary>
    public AdapterVersion Publish(string name, string source, IReadOnlyDictionary<string, string>? annotations = null)
    {
        ValidateName(name);
        string[] files = Directory.Exists(source) ? Directory.GetFiles(source) : throw new DirectoryNotFoundException($"{source}: no such folder to publish");
        if (files.Length == 0) throw new ArgumentException($"{source}: nothing to publish (no files)", nameof(source));
        string folder = Path.Combine(Root, name);
        Directory.CreateDirectory(folder);

        string staging = Path.Combine(folder, StagingPrefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        var hashes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (string file in files)
            {
                string target = Path.Combine(staging, Path.GetFileName(file));
                hashes[Path.GetFileName(file)] = CopyDurably(file, target);
            }
            Durable.FlushDirectory(staging);

            // Claim the next number by renaming the staging folder onto it; a concurrent publisher that took the number first makes the rename fail.
            for (int attempt = 0; ; attempt++)
            {
                int number = VersionNumbers(folder).DefaultIfEmpty(0).Max() + 1;
                string version = number.ToString(System.Globalization.CultureInfo.InvariantCulture);
                try
                {
                    Directory.Move(staging, Path.Combine(folder, version));
                }
                catch (IOException) when (attempt < 16 && Directory.Exists(Path.Combine(folder, version)))
                {
                    continue;
                }
                Durable.FlushDirectory(folder);
                var entry = new AdapterVersion(name, version, Path.Combine(folder, version), DateTimeOffset.UtcNow, hashes, annotations ?? new Dictionary<string, string>());
                WriteManifest(folder, entry);
                Prune(folder, number);
                return entry;
            }
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>The current version of every adapter with a readable manifest; <paramref name="problems"/> gets one line per name that has none.</summary>
    public IReadOnlyList<AdapterVersion> CurrentVersions(List<string>? problems = null)
    {
        var result = new List<AdapterVersion>();
        if (!Directory.Exists(Root)) return result;
        foreach (string folder in Directory.GetDirectories(Root).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(folder);
            if (name.StartsWith('.')) continue;
            try
            {
                if (Current(name) is { } version) result.Add(version);
            }
            catch (Exception e) when (e is IOException or JsonException or InvalidDataException or ArgumentException)
            {
                problems?.Add($"{name}: {e.Message}");
            }
        }
        return result;
    }

    /// <summary>The current version of <paramref name="name"/>, or null if the store has no such adapter (or it is not yet published).</summary>
    public AdapterVersion? Current(string name)
    {
        ValidateName(name);
        string manifest = Path.Combine(Root, name, ManifestFile);
        if (!File.Exists(manifest)) return null;
        return AdapterManifest.Read(manifest, Path.Combine(Root, name));
    }

    /// <summary>Removes an adapter from the store: its manifest first (readers stop seeing it at once), then its folder.</summary>
    public bool Delete(string name)
    {
        ValidateName(name);
        string folder = Path.Combine(Root, name);
        if (!Directory.Exists(folder)) return false;
        string graveyard = Path.Combine(Root, $".deleted-{name}-{Guid.NewGuid():N}");
        Directory.Move(folder, graveyard);
        Durable.FlushDirectory(Root);
        Directory.Delete(graveyard, recursive: true);
        return true;
    }

    /// <summary>Checks the version's files against the SHA-256 its manifest records; throws InvalidDataException naming the first that differs.</summary>
    public static void Verify(AdapterVersion version)
    {
        foreach ((string file, string expected) in version.Files)
        {
            string path = Path.Combine(version.Directory, file);
            if (!File.Exists(path)) throw new InvalidDataException($"adapter {version.Name} version {version.Version}: {file} is missing");
            string actual = Sha256(path);
            if (actual != expected)
                throw new InvalidDataException($"adapter {version.Name} version {version.Version}: {file} does not match its manifest (sha256 {actual[..12]}…, expected {expected[..12]}…)");
        }
    }

    // Under the name's lock file, so that of concurrent publishers the highest version ends up current.
    private static void WriteManifest(string folder, AdapterVersion current)
    {
        using FileStream lockFile = LockName(folder);
        string path = Path.Combine(folder, ManifestFile);
        if (File.Exists(path))
        {
            try
            {
                if (AdapterManifest.Read(path, folder).Number > current.Number) return;
            }
            catch (InvalidDataException) { } // a damaged manifest is replaced
        }
        string temp = Path.Combine(folder, $"{ManifestFile}.{Guid.NewGuid():N}.tmp");
        using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
        {
            AdapterManifest.Write(stream, current);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        Durable.FlushDirectory(folder);
    }

    private static FileStream LockName(string folder)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(Path.Combine(folder, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 500)
            {
                Thread.Sleep(10);
            }
        }
    }

    private void Prune(string folder, int current)
    {
        foreach (int old in VersionNumbers(folder).Where(v => v < current).OrderDescending().Skip(KeepPrevious))
        {
            try { Directory.Delete(Path.Combine(folder, old.ToString(System.Globalization.CultureInfo.InvariantCulture)), recursive: true); }
            catch (IOException) { } // a reader has it open; the next publish prunes it
        }
        // staging folders of publishers that crashed
        foreach (string stale in Directory.GetDirectories(folder, StagingPrefix + "*"))
        {
            try
            {
                // a folder renamed away since it was listed reads as written in 1601, and is then gone when deleted
                if (Directory.GetLastWriteTimeUtc(stale) < DateTime.UtcNow.AddHours(-1)) Directory.Delete(stale, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
                // a concurrent publisher moved it into place as its version, or pruned it first
            }
        }
    }

    private static IEnumerable<int> VersionNumbers(string folder) =>
        Directory.GetDirectories(folder).Select(Path.GetFileName)
            .Select(n => int.TryParse(n, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int v) ? v : 0)
            .Where(v => v > 0);

    // Copies and flushes the copy to disk; returns the SHA-256 (lower-case hex) of what was written.
    private static string CopyDurably(string source, string target)
    {
        using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        using var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        int read;
        while ((read = input.Read(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            output.Write(buffer, 0, read);
        }
        output.Flush(flushToDisk: true);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    internal static string Sha256(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
