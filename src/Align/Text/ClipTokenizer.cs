using System.Text;
using System.Text.Json;

namespace Align.Text;

/// <summary>Token ids of a batch, padded to one length, with their attention masks (1 = real token).</summary>
public sealed record TokenizedBatch(long[][] InputIds, long[][] AttentionMask)
{
    public int Length => InputIds.Length == 0 ? 0 : InputIds[0].Length;

    /// <returns>the ids as an int64 tensor [B, T] on <paramref name="device"/> (CPU by default)</returns>
    public Torch.Tensor InputIdsTensor(Torch.Device? device = null) => ToTensor(InputIds, device);

    /// <returns>the attention mask as an int64 tensor [B, T] on <paramref name="device"/> (CPU by default)</returns>
    public Torch.Tensor AttentionMaskTensor(Torch.Device? device = null) => ToTensor(AttentionMask, device);

    private Torch.Tensor ToTensor(long[][] rows, Torch.Device? device)
    {
        var t = Torch.Tensor.FromArray(rows.SelectMany(x => x).ToArray(), rows.Length, Length);
        if (device is not Torch.Device d || d == Torch.Device.CPU) return t;
        using (t) return t.To(d);
    }
}

/// <summary>How <see cref="ClipTokenizer.EncodeBatch"/> pads.</summary>
public enum Padding
{
    /// <summary>To the tokenizer's <c>model_max_length</c> (what SD pipelines use).</summary>
    MaxLength,
    /// <summary>To the longest sequence of the batch.</summary>
    Longest,
}

/// <summary>
/// CLIP's byte-level BPE tokenizer, read from a Hugging Face tokenizer directory (<c>vocab.json</c>,
/// <c>merges.txt</c>, <c>tokenizer_config.json</c>, <c>special_tokens_map.json</c>); ids equal
/// transformers' <c>CLIPTokenizer</c> without ftfy. Thread-safe.
/// </summary>
public sealed class ClipTokenizer
{
    // transformers keeps the first 49152 - 256 - 2 merges of the file (after the version line).
    private const int MaxMerges = 49152 - 256 - 2;

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<(string, string), int> _mergeRanks;
    private readonly Dictionary<string, int> _addedTokens;
    private readonly string[] _addedByLength;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string[]> _cache = new();
    private static readonly string[] ByteToUnicode = BuildByteToUnicode();

    private ClipTokenizer(Dictionary<string, int> vocab, Dictionary<(string, string), int> mergeRanks,
        Dictionary<string, int> addedTokens, int bos, int eos, int pad, int unk, int maxLength)
    {
        _vocab = vocab;
        _mergeRanks = mergeRanks;
        _addedTokens = addedTokens;
        _addedByLength = addedTokens.Keys.OrderByDescending(k => k.Length).ToArray();
        BosId = bos;
        EosId = eos;
        PadId = pad;
        UnkId = unk;
        ModelMaxLength = maxLength;
    }

    public int BosId { get; }
    public int EosId { get; }
    public int PadId { get; }
    public int UnkId { get; }
    public int ModelMaxLength { get; }
    public int VocabSize => _vocab.Count;

    /// <summary>Loads a tokenizer directory; a missing or malformed file gives one clear error naming it.</summary>
    /// <summary>The files of a tokenizer directory.</summary>
    public static readonly IReadOnlyList<string> Files = ["vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"];

    /// <summary>Copies the tokenizer files that <paramref name="from"/> has into <paramref name="to"/> (a model saved beside its tokenizer).</summary>
    public static void CopyFiles(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Files.Where(f => File.Exists(Path.Combine(from, f))))
            File.Copy(Path.Combine(from, file), Path.Combine(to, file), overwrite: true);
    }

    public static ClipTokenizer FromDirectory(string directory)
    {
        string Need(string name)
        {
            string path = Path.Combine(directory, name);
            if (!File.Exists(path)) throw new InvalidDataException($"tokenizer {directory}: missing {name}");
            return path;
        }

        var vocab = ReadJson<Dictionary<string, int>>(Need("vocab.json"));
        var ranks = new Dictionary<(string, string), int>();
        string[] lines = File.ReadAllText(Need("merges.txt"), Encoding.UTF8).Trim().Split('\n');
        foreach (string line in lines.Skip(1).Take(MaxMerges))
        {
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2) throw new InvalidDataException($"tokenizer {directory}: bad merges.txt line '{line}'");
            ranks.TryAdd((parts[0], parts[1]), ranks.Count);
        }

        using JsonDocument config = JsonDocument.Parse(File.ReadAllText(Need("tokenizer_config.json")));
        string specialPath = Path.Combine(directory, "special_tokens_map.json");
        using JsonDocument? special = File.Exists(specialPath) ? JsonDocument.Parse(File.ReadAllText(specialPath)) : null;

        var added = new Dictionary<string, int>();
        if (config.RootElement.TryGetProperty("added_tokens_decoder", out JsonElement decoder))
            foreach (JsonProperty p in decoder.EnumerateObject())
                added[p.Value.GetProperty("content").GetString()!] = int.Parse(p.Name);

        string Token(string key, string fallback) =>
            TokenText(special?.RootElement, key) ?? TokenText(config.RootElement, key) ?? fallback;
        int Id(string token) =>
            added.TryGetValue(token, out int id) ? id
            : vocab.TryGetValue(token, out id) ? id
            : throw new InvalidDataException($"tokenizer {directory}: special token '{token}' is not in the vocabulary");

        int maxLength = config.RootElement.TryGetProperty("model_max_length", out JsonElement m) && m.TryGetInt64(out long ml) && ml < 1_000_000
            ? (int)ml : 77;
        string bos = Token("bos_token", "<|startoftext|>"), eos = Token("eos_token", "<|endoftext|>");
        string pad = Token("pad_token", "<|endoftext|>"), unk = Token("unk_token", "<|endoftext|>");
        foreach (string s in new[] { bos, eos, pad, unk }) added.TryAdd(s, Id(s));
        return new ClipTokenizer(vocab, ranks, added, Id(bos), Id(eos), Id(pad), Id(unk), maxLength);
    }

    private static T ReadJson<T>(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path}: empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    // A special token is written either as a string or as {"content": ...}.
    private static string? TokenText(JsonElement? root, string key)
    {
        if (root is not { } r || !r.TryGetProperty(key, out JsonElement v)) return null;
        return v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Object when v.TryGetProperty("content", out JsonElement c) => c.GetString(),
            _ => null,
        };
    }

    /// <summary>BPE tokens of <paramref name="text"/>, without BOS/EOS.</summary>
    public IReadOnlyList<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        foreach ((string piece, bool isAdded) in SplitOnAddedTokens(text))
        {
            if (isAdded)
            {
                tokens.Add(piece);
                continue;
            }
            foreach (string word in ClipPreTokenizer.Split(ClipTextCleaner.Clean(piece)))
                tokens.AddRange(Bpe(word));
        }
        return tokens;
    }

    /// <summary>Ids of <paramref name="text"/> with BOS and EOS, neither truncated nor padded.</summary>
    public long[] Encode(string text)
    {
        IReadOnlyList<string> tokens = Tokenize(text);
        var ids = new long[tokens.Count + 2];
        ids[0] = BosId;
        for (int k = 0; k < tokens.Count; k++) ids[k + 1] = IdOf(tokens[k]);
        ids[^1] = EosId;
        return ids;
    }

    /// <summary>Encodes a batch: truncated to <paramref name="maxLength"/> (default <see cref="ModelMaxLength"/>) keeping EOS last, then padded.</summary>
    public TokenizedBatch EncodeBatch(IReadOnlyList<string> texts, Padding padding = Padding.MaxLength, int? maxLength = null, bool truncate = true)
    {
        int max = maxLength ?? ModelMaxLength;
        if (max < 2) throw new ArgumentOutOfRangeException(nameof(maxLength), "max length must leave room for BOS and EOS");
        var encoded = texts.Select(t =>
        {
            long[] ids = Encode(t);
            if (!truncate || ids.Length <= max) return ids;
            long[] cut = ids[..max];
            cut[^1] = EosId;
            return cut;
        }).ToArray();
        int length = padding == Padding.MaxLength ? Math.Max(max, encoded.Select(e => e.Length).DefaultIfEmpty(0).Max())
            : encoded.Select(e => e.Length).DefaultIfEmpty(0).Max();
        var ids = new long[encoded.Length][];
        var mask = new long[encoded.Length][];
        for (int k = 0; k < encoded.Length; k++)
        {
            ids[k] = Enumerable.Repeat((long)PadId, length).ToArray();
            mask[k] = new long[length];
            encoded[k].CopyTo(ids[k], 0);
            Array.Fill(mask[k], 1L, 0, encoded[k].Length);
        }
        return new TokenizedBatch(ids, mask);
    }

    private long IdOf(string token) =>
        _addedTokens.TryGetValue(token, out int id) || _vocab.TryGetValue(token, out id) ? id : UnkId;

    // transformers splits the raw text on added tokens first (longest match at the earliest position).
    private IEnumerable<(string Piece, bool IsAdded)> SplitOnAddedTokens(string text)
    {
        int start = 0, k = 0;
        while (k < text.Length)
        {
            string? hit = _addedByLength.FirstOrDefault(t => t.Length > 0 && string.CompareOrdinal(text, k, t, 0, t.Length) == 0);
            if (hit is null)
            {
                k++;
                continue;
            }
            if (k > start) yield return (text[start..k], false);
            yield return (hit, true);
            k += hit.Length;
            start = k;
        }
        if (start < text.Length) yield return (text[start..], false);
    }

    private string[] Bpe(string word) => _cache.GetOrAdd(word, w =>
    {
        // Words are BPE'd over their UTF-8 bytes mapped to printable characters; the last symbol carries "</w>".
        var symbols = Encoding.UTF8.GetBytes(w).Select(b => ByteToUnicode[b]).ToList();
        symbols[^1] += "</w>";
        while (symbols.Count > 1)
        {
            int bestRank = int.MaxValue;
            (string, string) best = default;
            for (int k = 0; k + 1 < symbols.Count; k++)
                if (_mergeRanks.TryGetValue((symbols[k], symbols[k + 1]), out int rank) && rank < bestRank)
                {
                    bestRank = rank;
                    best = (symbols[k], symbols[k + 1]);
                }
            if (bestRank == int.MaxValue) break;
            var merged = new List<string>(symbols.Count);
            for (int k = 0; k < symbols.Count; k++)
            {
                if (k + 1 < symbols.Count && symbols[k] == best.Item1 && symbols[k + 1] == best.Item2)
                {
                    merged.Add(best.Item1 + best.Item2);
                    k++;
                }
                else merged.Add(symbols[k]);
            }
            symbols = merged;
        }
        return symbols.ToArray();
    });

    // GPT-2's reversible byte → printable-character table.
    private static string[] BuildByteToUnicode()
    {
        var printable = Enumerable.Range('!', '~' - '!' + 1).Concat(Enumerable.Range('¡', '¬' - '¡' + 1))
            .Concat(Enumerable.Range('®', 'ÿ' - '®' + 1)).ToHashSet();
        var table = new string[256];
        int next = 0;
        for (int b = 0; b < 256; b++)
            table[b] = ((char)(printable.Contains(b) ? b : 256 + next++)).ToString();
        return table;
    }
}
