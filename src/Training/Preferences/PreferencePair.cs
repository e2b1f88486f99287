using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Align.ShapeWorld;

namespace Training.Preferences;

/// <summary>
/// One line of a preference manifest (JSONL): for <see cref="Prompt"/>, the image <see cref="Chosen"/> is preferred to
/// <see cref="Rejected"/> (paths relative to the manifest). The rest says where the pair came from: how it was judged, the
/// seeds, the scores, and for InstructEngine's cross-validation pairs the contrasting prompt.
/// </summary>
public sealed record PreferencePair
{
    [JsonPropertyName("prompt")] public required string Prompt { get; init; }
    [JsonPropertyName("chosen")] public required string Chosen { get; init; }
    [JsonPropertyName("rejected")] public required string Rejected { get; init; }
    [JsonPropertyName("category")] public string? Category { get; init; }

    /// <summary>"same_prompt" (both images sampled for this prompt) or "cross" (InstructEngine's cross-validation pairs).</summary>
    [JsonPropertyName("kind")] public string? Kind { get; init; }

    /// <summary>For a cross pair: the one-attribute contradiction of <see cref="Prompt"/> that the rejected image satisfies.</summary>
    [JsonPropertyName("contrast_prompt")] public string? ContrastPrompt { get; init; }

    [JsonPropertyName("chosen_seed")] public long? ChosenSeed { get; init; }
    [JsonPropertyName("rejected_seed")] public long? RejectedSeed { get; init; }
    [JsonPropertyName("chosen_score")] public double? ChosenScore { get; init; }
    [JsonPropertyName("rejected_score")] public double? RejectedScore { get; init; }

    /// <summary>What judged the images: "shapeworld-verifier", the reward's name, or "pickapic" (Pick-a-Pic's human labels).</summary>
    [JsonPropertyName("judge")] public string? Judge { get; init; }

    /// <summary>Where an imported pair came from: the source file and row (<c>FILE#ROW</c>, the row counted from 0 in that file).</summary>
    [JsonPropertyName("source")] public string? Source { get; init; }

    public const string SamePrompt = "same_prompt", Cross = "cross";

    /// <summary>The prompt as a ShapeWorld spec, read in the pair's category where it names one; null outside the grammar.</summary>
    public Spec? PromptSpec() => CaptionParser.TryParse(Prompt, out _, Category is { } name ? CategoryNames.Find(name) : null);
}

/// <summary>Reads and writes preference manifests: one JSON object per line, image paths relative to the manifest's directory.</summary>
public static class PairManifest
{
    private static readonly JsonSerializerOptions Options = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static string ToLine(PreferencePair pair) => JsonSerializer.Serialize(pair, Options);

    public static void Write(string path, IEnumerable<PreferencePair> pairs) => File.WriteAllLines(path, pairs.Select(ToLine));

    /// <summary>The pairs of a manifest (blank lines skipped); each must name a prompt and two images that exist.</summary>
    /// <exception cref="InvalidDataException">a line that is not such an object, naming the file and line</exception>
    public static IReadOnlyList<PreferencePair> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: manifest not found", path);
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var pairs = new List<PreferencePair>();
        int number = 0;
        foreach (string line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            PreferencePair? pair;
            try
            {
                pair = JsonSerializer.Deserialize<PreferencePair>(line, Options);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{number}: {e.Message}");
            }
            if (pair is null) throw new InvalidDataException($"{path}:{number}: not a JSON object");
            foreach (string image in new[] { pair.Chosen, pair.Rejected })
                if (!File.Exists(Resolve(directory, image))) throw new InvalidDataException($"{path}:{number}: image {image} not found");
            pairs.Add(pair);
        }
        if (pairs.Count == 0) throw new InvalidDataException($"{path}: no pairs");
        return pairs;
    }

    /// <summary>The pairs of a manifest (as <see cref="Read"/>) with both image paths made absolute against its directory.</summary>
    public static IReadOnlyList<PreferencePair> ReadResolved(string path)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        return Read(path).Select(p => p with
        {
            Chosen = Path.GetFullPath(Resolve(directory, p.Chosen)),
            Rejected = Path.GetFullPath(Resolve(directory, p.Rejected)),
        }).ToList();
    }

    /// <summary>
    /// The pairs of several manifests, in the order given, as <see cref="ReadResolved"/>: each image path absolute against its own
    /// manifest's directory. A manifest listed twice is read twice: its pairs weigh twice in what is drawn from the list.
    /// </summary>
    public static IReadOnlyList<PreferencePair> ReadMany(IEnumerable<string> paths)
    {
        List<PreferencePair> pairs = paths.SelectMany(ReadResolved).ToList();
        if (pairs.Count == 0) throw new ArgumentException("no preference manifest given");
        return pairs;
    }

    /// <summary>Where a manifest's image of <paramref name="seed"/> goes, relative to the manifest: <c>images/CATEGORY/SEED.png</c>.</summary>
    public static string ImagePath(Category category, long seed) => $"images/{CategoryNames.Slug(category)}/{seed.ToString(CultureInfo.InvariantCulture)}.png";

    /// <summary>An image path of the manifest as a path on disk (relative paths are relative to the manifest's directory).</summary>
    public static string Resolve(string manifestDirectory, string image) => Path.IsPathRooted(image) ? image : Path.Combine(manifestDirectory, image);
}
