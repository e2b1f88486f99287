using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Align.Text;

/// <summary>
/// Builds a CLIP-format byte-level BPE tokenizer (<c>vocab.json</c>, <c>merges.txt</c>, <c>tokenizer_config.json</c>,
/// <c>special_tokens_map.json</c>) for a closed vocabulary of words, by training BPE merges on the words until each is
/// one symbol: applying the merges in rank order then reproduces that, so every word is a single token.
/// </summary>
public static class BpeVocabularyBuilder
{
    public const string Bos = "<|startoftext|>", Eos = "<|endoftext|>";

    /// <summary>Writes the tokenizer files into <paramref name="directory"/>; returns the vocabulary size.</summary>
    public static int Write(string directory, IEnumerable<string> words, int modelMaxLength = 77)
    {
        string[] distinct = words.Select(w => w.Trim().ToLowerInvariant()).Where(w => w.Length > 0).Distinct(StringComparer.Ordinal)
            .OrderBy(w => w, StringComparer.Ordinal).ToArray();
        foreach (string w in distinct)
            if (ClipPreTokenizer.Split(w).Count() != 1)
                throw new ArgumentException($"'{w}' is not one pre-token of CLIP's pattern (letters only, a single digit, or one punctuation run)", nameof(words));

        // Every byte symbol, alone and word-final, as CLIP's vocabulary has them, so any text still tokenizes.
        var vocab = new List<string>();
        string[] bytes = Enumerable.Range(0, 256).Select(b => ByteSymbol((byte)b)).ToArray();
        vocab.AddRange(bytes);
        vocab.AddRange(bytes.Select(b => b + "</w>"));

        var merges = new List<(string, string)>();
        var segmented = distinct.Select(w =>
        {
            var symbols = Encoding.UTF8.GetBytes(w).Select(ByteSymbol).ToList();
            symbols[^1] += "</w>";
            return symbols;
        }).ToList();
        while (true)
        {
            // The most frequent adjacent pair; ties broken by first appearance, so the result is deterministic.
            var counts = new Dictionary<(string, string), (int Count, int First)>();
            int order = 0;
            foreach (var symbols in segmented)
                for (int k = 0; k + 1 < symbols.Count; k++)
                {
                    var pair = (symbols[k], symbols[k + 1]);
                    counts[pair] = counts.TryGetValue(pair, out var c) ? (c.Count + 1, c.First) : (1, order++);
                }
            if (counts.Count == 0) break;
            var best = counts.OrderByDescending(kv => kv.Value.Count).ThenBy(kv => kv.Value.First).First().Key;
            merges.Add(best);
            string joined = best.Item1 + best.Item2;
            if (!vocab.Contains(joined)) vocab.Add(joined);
            foreach (var symbols in segmented)
                for (int k = 0; k + 1 < symbols.Count; k++)
                    if (symbols[k] == best.Item1 && symbols[k + 1] == best.Item2)
                    {
                        symbols[k] = joined;
                        symbols.RemoveAt(k + 1);
                    }
        }
        vocab.Add(Bos);
        vocab.Add(Eos);

        Directory.CreateDirectory(directory);
        var encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        var options = new JsonSerializerOptions { WriteIndented = true, Encoder = encoder };
        var vocabJson = new Dictionary<string, int>();
        for (int i = 0; i < vocab.Count; i++) vocabJson[vocab[i]] = i;
        File.WriteAllText(Path.Combine(directory, "vocab.json"), JsonSerializer.Serialize(vocabJson, options));
        File.WriteAllText(Path.Combine(directory, "merges.txt"), "#version: 0.2\n" + string.Join("\n", merges.Select(m => $"{m.Item1} {m.Item2}")) + "\n");
        File.WriteAllText(Path.Combine(directory, "special_tokens_map.json"), JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["bos_token"] = Bos, ["eos_token"] = Eos, ["pad_token"] = Eos, ["unk_token"] = Eos,
        }, options));
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["tokenizer_class"] = "CLIPTokenizer",
            ["model_max_length"] = modelMaxLength,
            ["bos_token"] = Bos, ["eos_token"] = Eos, ["pad_token"] = Eos, ["unk_token"] = Eos,
            ["errors"] = "replace",
            ["clean_up_tokenization_spaces"] = true,
        }, options));
        return vocab.Count;
    }

    private static string ByteSymbol(byte b)
    {
        bool printable = b is >= (byte)'!' and <= (byte)'~' or >= 0xA1 and <= 0xAC or >= 0xAE;
        if (printable) return ((char)b).ToString();
        int offset = Enumerable.Range(0, b).Count(x => !(x is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE));
        return ((char)(256 + offset)).ToString();
    }
}
