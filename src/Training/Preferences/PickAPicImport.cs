using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Align.Imaging;
using Torch;
using Training.Preferences.Parquet;

namespace Training.Preferences;

/// <summary>
/// Imports Pick-a-Pic-style preference data (yuvalkirstain/pickapic_v2, what Diffusion-DPO trained on) from Parquet files:
/// per row a <c>caption</c>, two images <c>jpg_0</c> and <c>jpg_1</c> (JPEG or PNG bytes) and the human labels
/// <c>label_0</c> (and <c>label_1</c>): 1/0 when image 0 won, 0/1 when image 1 won, 0.5/0.5 for a tie. The image with the
/// higher label is chosen, as diffusers' <c>train_diffusion_dpo.py</c> orders each pair by <c>label_0</c>. Ties are skipped
/// and counted, as Diffusion-DPO's own training script eliminates the "split decisions"; <c>keepTies</c> keeps them with
/// image 0 chosen, which is what diffusers' example does (it swaps the images only when label_0 is 0).
///
/// Every file's schema is checked before anything is written: a missing required column, or a nested, repeated or wrongly
/// typed one, refuses the whole import naming the column and the file. A row that cannot make a pair (a null caption or
/// image, labels missing, out of [0, 1] or not summing to 1, an image that does not decode) is skipped and counted by reason
/// in <c>summary.json</c>, with the first <see cref="RefusedRowsListed"/> such rows named: one bad row among a million should
/// not cost the rest. Images are decoded and written as PNGs (<c>images/ROW_0.png</c>, <c>images/ROW_1.png</c>, ROW counting
/// rows over all inputs in order), so <c>align-train dpo</c> reads them as it reads any manifest's. <c>pairs.jsonl</c> is
/// written under another name and renamed last: an import that stops part way leaves no manifest (an older one in the
/// output directory is removed when the import starts, since its images may be overwritten).
/// </summary>
public static class PickAPicImport
{
    public const string Judge = "pickapic";
    public const string SummaryName = "summary.json";
    public const int RefusedRowsListed = 100;

    public const string Caption = "caption", Image0 = "jpg_0", Image1 = "jpg_1", Label0 = "label_0", Label1 = "label_1";

    /// <summary>What an import did; written as <c>summary.json</c>.</summary>
    public sealed record Summary
    {
        [JsonPropertyName("sources")] public required IReadOnlyList<SourceSummary> Sources { get; init; }
        [JsonPropertyName("rows_read")] public long RowsRead { get; init; }
        [JsonPropertyName("pairs")] public long Pairs { get; init; }
        [JsonPropertyName("ties_skipped")] public long TiesSkipped { get; init; }
        [JsonPropertyName("ties_kept")] public long TiesKept { get; init; }
        [JsonPropertyName("rows_refused")] public long RowsRefused { get; init; }
        [JsonPropertyName("refused_by_reason")] public required IReadOnlyDictionary<string, long> RefusedByReason { get; init; }
        [JsonPropertyName("refused_rows")] public required IReadOnlyList<RefusedRow> RefusedRows { get; init; }
        [JsonPropertyName("limit")] public int? Limit { get; init; }
        [JsonPropertyName("keep_ties")] public bool KeepTies { get; init; }
        [JsonPropertyName("judge")] public string JudgeName { get; init; } = Judge;

        /// <summary>The manifest's path, or null when no pair was written (and so no manifest).</summary>
        [JsonPropertyName("manifest")] public string? Manifest { get; init; }
    }

    public sealed record SourceSummary([property: JsonPropertyName("file")] string File, [property: JsonPropertyName("rows")] long Rows,
        [property: JsonPropertyName("rows_read")] long RowsRead);

    public sealed record RefusedRow([property: JsonPropertyName("source")] string Source, [property: JsonPropertyName("reason")] string Reason,
        [property: JsonPropertyName("detail")] string Detail);

    private static readonly JsonSerializerOptions SummaryJson = new() { WriteIndented = true };

    /// <summary>Imports <paramref name="sources"/> into <paramref name="output"/>; see the type's remarks.</summary>
    /// <param name="limit">stop after this many pairs (null: every row)</param>
    /// <exception cref="ArgumentException">no source, or a limit below 1</exception>
    /// <exception cref="FileNotFoundException">a source that does not exist</exception>
    /// <exception cref="InvalidDataException">a source that is not Parquet, or whose schema, codec or encodings cannot be imported</exception>
    public static Summary Run(IReadOnlyList<string> sources, string output, int? limit = null, bool keepTies = false, Action<string>? log = null)
    {
        if (sources.Count == 0) throw new ArgumentException("--from: at least one Parquet file");
        if (limit is < 1) throw new ArgumentException($"--limit must be at least 1 (got {limit})");
        foreach (string source in sources)
            if (!File.Exists(source)) throw new FileNotFoundException($"{source}: Parquet file not found", source);

        var opened = new List<ParquetFile>();
        try
        {
            // every file's schema, codecs and encodings are checked before anything is written
            var files = new List<(ParquetFile File, ParquetColumn[] Columns)>();
            foreach (string source in sources)
            {
                ParquetFile file = ParquetFile.Open(source);
                opened.Add(file);
                ParquetColumn[] columns = Columns(file);
                file.CheckReadable(columns);
                files.Add((file, columns));
            }
            return Import(files, output, limit, keepTies, log);
        }
        finally
        {
            foreach (ParquetFile file in opened) file.Dispose();
        }
    }

    // caption, jpg_0, jpg_1, label_0 and, when the file has it, label_1: present, flat, and of usable types.
    private static ParquetColumn[] Columns(ParquetFile file)
    {
        ParquetColumn Require(string name, Func<ParquetColumn, bool> usable, string expected)
        {
            ParquetColumn column = file.Column(name);
            if (!usable(column))
                throw new InvalidDataException($"{file.Path}: column {name} holds {ParquetNames.Of(column.Type)}{(column.IsString ? " strings" : "")}; a Pick-a-Pic import needs {expected}");
            return column;
        }
        bool IsBytes(ParquetColumn c) => c.Type == PhysicalType.ByteArray;
        bool IsNumber(ParquetColumn c) => c.Type is PhysicalType.Double or PhysicalType.Float or PhysicalType.Int32 or PhysicalType.Int64;
        var columns = new List<ParquetColumn>
        {
            Require(Caption, IsBytes, "text (BYTE_ARRAY)"),
            Require(Image0, c => IsBytes(c) && !c.IsString, "image bytes (BYTE_ARRAY)"),
            Require(Image1, c => IsBytes(c) && !c.IsString, "image bytes (BYTE_ARRAY)"),
            Require(Label0, IsNumber, "a number (DOUBLE)"),
        };
        if (file.HasColumn(Label1)) columns.Add(Require(Label1, IsNumber, "a number (DOUBLE)"));
        return [.. columns];
    }

    private static Summary Import(List<(ParquetFile File, ParquetColumn[] Columns)> files, string output, int? limit, bool keepTies, Action<string>? log)
    {
        Directory.CreateDirectory(Path.Combine(output, "images"));
        string manifest = Path.Combine(output, PairBuilder.ManifestName), partial = manifest + ".partial";
        File.Delete(manifest); // its images are about to be overwritten
        var sourceSummaries = new List<SourceSummary>();
        var byReason = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var refusedRows = new List<RefusedRow>();
        long row = 0, pairs = 0, tiesSkipped = 0, tiesKept = 0, refused = 0;
        using (var writer = new StreamWriter(partial, append: false, new UTF8Encoding(false)))
        {
            foreach ((ParquetFile file, ParquetColumn[] columns) in files)
            {
                long inFile = 0;
                string name = Path.GetFileName(file.Path);
                if (limit is int reached && pairs >= reached)
                {
                    sourceSummaries.Add(new SourceSummary(file.Path, file.RowCount, 0));
                    continue;
                }
                foreach (object?[] values in file.ReadRows(columns))
                {
                    string source = $"{name}#{inFile.ToString(CultureInfo.InvariantCulture)}";
                    inFile++;
                    Outcome outcome = Pair(values, row, output, keepTies, out PreferencePair? pair);
                    row++;
                    switch (outcome.Kind)
                    {
                        case OutcomeKind.Pair:
                            writer.WriteLine(PairManifest.ToLine(pair! with { Source = source }));
                            pairs++;
                            if (outcome.Tie) tiesKept++;
                            break;
                        case OutcomeKind.Tie:
                            tiesSkipped++;
                            break;
                        default:
                            refused++;
                            byReason[outcome.Reason!] = byReason.GetValueOrDefault(outcome.Reason!) + 1;
                            if (refusedRows.Count < RefusedRowsListed) refusedRows.Add(new RefusedRow(source, outcome.Reason!, outcome.Detail!));
                            break;
                    }
                    if (row % 1000 == 0) log?.Invoke($"{row} rows read, {pairs} pairs");
                    if (limit is int most && pairs >= most) break;
                }
                sourceSummaries.Add(new SourceSummary(file.Path, file.RowCount, inFile));
            }
        }
        var summary = new Summary
        {
            Sources = sourceSummaries,
            RowsRead = row,
            Pairs = pairs,
            TiesSkipped = tiesSkipped,
            TiesKept = tiesKept,
            RowsRefused = refused,
            RefusedByReason = byReason,
            RefusedRows = refusedRows,
            Limit = limit,
            KeepTies = keepTies,
            Manifest = pairs > 0 ? manifest : null,
        };
        AtomicFile.Write(Path.Combine(output, SummaryName), JsonSerializer.SerializeToUtf8Bytes(summary, SummaryJson));
        if (pairs > 0) File.Move(partial, manifest, overwrite: true); // last: the manifest names only images already written
        else File.Delete(partial);
        return summary;
    }

    private enum OutcomeKind { Pair, Tie, Refused }

    private sealed record Outcome(OutcomeKind Kind, bool Tie = false, string? Reason = null, string? Detail = null)
    {
        public static Outcome Refuse(string reason, string detail) => new(OutcomeKind.Refused, Reason: reason, Detail: detail);
    }

    // One row → a pair (images written), a skipped tie, or a refusal with its reason.
    private static Outcome Pair(object?[] values, long row, string output, bool keepTies, out PreferencePair? pair)
    {
        pair = null;
        if (values[0] is null) return Outcome.Refuse("caption is null", "caption is null");
        string caption = values[0] as string ?? Encoding.UTF8.GetString((byte[])values[0]!);
        if (Number(values[3]) is not double label0 || !(label0 >= 0 && label0 <= 1))
            return Outcome.Refuse("label_0 is missing or outside [0, 1]", $"label_0 is {Show(values[3])}");
        double label1 = values.Length > 4 && Number(values[4]) is double given ? given : 1 - label0;
        if (Math.Abs(label0 + label1 - 1) > 1e-6)
            return Outcome.Refuse("label_0 and label_1 do not sum to 1", $"label_0 is {Show(values[3])}, label_1 {Show(values.Length > 4 ? values[4] : null)}");
        bool tie = label0 == 0.5;
        if (tie && !keepTies) return new Outcome(OutcomeKind.Tie, Tie: true);

        var rgb = new (byte[] Rgb, int Width, int Height)[2];
        for (int k = 0; k < 2; k++)
        {
            string column = k == 0 ? Image0 : Image1;
            if (values[1 + k] is not byte[] bytes) return Outcome.Refuse($"{column} is null", $"{column} is null");
            try
            {
                rgb[k] = ImageDecoder.DecodeRgb(bytes);
            }
            catch (InvalidDataException e)
            {
                return Outcome.Refuse($"{column} is not a decodable image", $"{column}: {e.Message}");
            }
        }
        string[] paths = new string[2];
        for (int k = 0; k < 2; k++)
        {
            paths[k] = $"images/{row.ToString(CultureInfo.InvariantCulture)}_{k}.png";
            File.WriteAllBytes(Path.Combine(output, paths[k]), PngEncoder.Encode(rgb[k].Rgb, rgb[k].Width, rgb[k].Height, 3));
        }
        // the higher label wins; a tie kept is image 0 over image 1, as diffusers' script orders it
        int chosen = label0 >= 0.5 ? 0 : 1;
        pair = new PreferencePair
        {
            Prompt = caption,
            Chosen = paths[chosen],
            Rejected = paths[1 - chosen],
            Kind = PreferencePair.SamePrompt,
            Judge = Judge,
            ChosenScore = chosen == 0 ? label0 : label1,
            RejectedScore = chosen == 0 ? label1 : label0,
        };
        return new Outcome(OutcomeKind.Pair, Tie: tie);
    }

    private static double? Number(object? value) => value switch
    {
        double d => d,
        float f => f,
        int i => i,
        long l => l,
        _ => null,
    };

    private static string Show(object? value) => value is null ? "null" : Convert.ToString(value, CultureInfo.InvariantCulture)!;
}
