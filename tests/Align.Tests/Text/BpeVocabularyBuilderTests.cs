using Align.Text;

namespace Align.Tests.Text;

/// <summary>A tokenizer built for a closed vocabulary reads back with our CLIP tokenizer: each word one token, anything else still tokenized.</summary>
public class BpeVocabularyBuilderTests
{
    private static readonly string[] Words =
        ["a", "an", "red", "green", "blue", "yellow", "purple", "white", "circle", "circles", "square", "squares", "triangle",
         "triangles", "and", "of", "the", "left", "right", "above", "below", "to", "two", "three", "four", "one", "is", "that", "2", "3"];

    [Fact]
    public void EveryWordIsOneToken()
    {
        using var temp = new TempDirectory("bpe");
        string dir = temp.Path;
        int size = BpeVocabularyBuilder.Write(dir, Words);
        var tokenizer = ClipTokenizer.FromDirectory(dir);
        Assert.Equal(size, tokenizer.VocabSize);
        foreach (string w in Words) Assert.Equal([w + "</w>"], tokenizer.Tokenize(w));
        long[] ids = tokenizer.Encode("Two RED circles to the left of a blue square");
        Assert.Equal(12, ids.Length); // ten words, BOS, EOS
        Assert.Equal((tokenizer.BosId, tokenizer.EosId), (ids[0], ids[^1]));
        Assert.Equal(tokenizer.EosId, tokenizer.PadId);
        Assert.Equal(77, tokenizer.ModelMaxLength);
        Assert.DoesNotContain((long)tokenizer.UnkId, ids[1..^1]);
        // Outside the vocabulary: split into known pieces, never lost.
        Assert.True(tokenizer.Tokenize("magenta hexagon").Count > 2);
    }

    [Fact]
    public void BuildIsDeterministic()
    {
        using TempDirectory aTemp = new("bpe"), bTemp = new("bpe");
        string a = aTemp.Path, b = bTemp.Path;
        BpeVocabularyBuilder.Write(a, Words);
        BpeVocabularyBuilder.Write(b, Words.Reverse());
        foreach (string f in new[] { "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json" })
            Assert.Equal(File.ReadAllText(Path.Combine(a, f)), File.ReadAllText(Path.Combine(b, f)));
    }

    [Fact]
    public void RejectsMultiTokenWords()
    {
        using var temp = new TempDirectory("bpe");
        Assert.Throws<ArgumentException>(() => BpeVocabularyBuilder.Write(temp.Path, ["two words"]));
    }
}
