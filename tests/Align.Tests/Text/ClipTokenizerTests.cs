using System.Text.Json;
using Align.Text;
using Torch;

namespace Align.Tests.Text;

/// <summary>Token ids equal transformers' CLIPTokenizer exactly, on the reference prompts (unicode, punctuation, long, empty).</summary>
public class ClipTokenizerTests
{
    public static TheoryData<string, string, string> Cases => new()
    {
        { "clip-tokenizer-full", "clip-tokenizer-full.safetensors", "tokenizer" },
        { "clip-tokenizer-full-padbang", "clip-tokenizer-full-padbang.safetensors", "tokenizer" },
        { "tiny-sd15/tokenizer", "tiny-sd15.tokenizer.safetensors", "tokenizer" },
        { "tiny-sd21-v/tokenizer", "tiny-sd21-v.tokenizer.safetensors", "tokenizer" },
        { "tiny-sdxl/tokenizer", "tiny-sdxl.tokenizer.safetensors", "tokenizer" },
        { "tiny-sdxl/tokenizer_2", "tiny-sdxl.tokenizer.safetensors", "tokenizer_2" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesReferenceIds(string directory, string refFile, string prefix)
    {
        using var scope = torch.NewDisposeScope();
        var tokenizer = ClipTokenizer.FromDirectory(Reference.Model(directory));
        using SafetensorsFile refs = Reference.Open(refFile);
        string[] prompts = Prompts(refs);

        TokenizedBatch maxLength = tokenizer.EncodeBatch(prompts);
        Assert.Equal(refs.Load($"{prefix}.input_ids").ToArray<long>(), maxLength.InputIds.SelectMany(x => x).ToArray());
        Assert.Equal(refs.Load($"{prefix}.attention_mask").ToArray<long>(), maxLength.AttentionMask.SelectMany(x => x).ToArray());

        if (refs.Contains($"{prefix}.pad_longest.input_ids"))
        {
            TokenizedBatch longest = tokenizer.EncodeBatch(prompts, Padding.Longest);
            Assert.Equal(refs.Load($"{prefix}.pad_longest.input_ids").ToArray<long>(), longest.InputIds.SelectMany(x => x).ToArray());
            Assert.Equal(refs.Load($"{prefix}.pad_longest.attention_mask").ToArray<long>(), longest.AttentionMask.SelectMany(x => x).ToArray());
        }
        for (int k = 0; k < prompts.Length; k++)
        {
            string name = $"{prefix}.untruncated.{k}";
            if (!refs.Contains(name)) continue;
            Assert.True(refs.Load(name).ToArray<long>().SequenceEqual(tokenizer.Encode(prompts[k])), $"untruncated ids of prompt {k}: '{prompts[k]}'");
        }
    }

    [Fact]
    public void TokensMatchReferenceStrings()
    {
        var tokenizer = ClipTokenizer.FromDirectory(Reference.Model("clip-tokenizer-full"));
        using SafetensorsFile refs = Reference.Open("clip-tokenizer-full.safetensors");
        string[] prompts = Prompts(refs);
        JsonElement tokens = Reference.MetadataJson(refs, "tokens");
        for (int k = 0; k < prompts.Length; k++)
        {
            if (!tokens.TryGetProperty(k.ToString(), out JsonElement expected)) continue;
            string[] want = expected.EnumerateArray().Select(e => e.GetString()!).ToArray();
            string[] got = ["<|startoftext|>", .. tokenizer.Tokenize(prompts[k]), "<|endoftext|>"];
            Assert.True(want.SequenceEqual(got), $"prompt {k}: expected [{string.Join(" ", want)}] got [{string.Join(" ", got)}]");
        }
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        using var temp = new TempDirectory("tok");
        string dir = temp.Path;
        File.Copy(Path.Combine(Reference.Model("clip-tokenizer-full"), "vocab.json"), Path.Combine(dir, "vocab.json"));
        var e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromDirectory(dir));
        Assert.Contains("merges.txt", e.Message);
    }

    [Fact]
    public void LowerCasesLikePython()
    {
        Assert.Equal("i\u0307stanbul", ClipTextCleaner.PythonLower("İSTANBUL"));
        Assert.Equal("σας", ClipTextCleaner.PythonLower("ΣΑΣ"));
    }

    private static string[] Prompts(SafetensorsFile refs) =>
        Reference.MetadataJson(refs, "prompts").EnumerateArray().Select(e => e.GetString()!).ToArray();
}
