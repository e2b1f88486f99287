namespace Torch.Tests;

/// <summary>Every malformed file is refused with a <see cref="SafetensorsException"/> naming the file and the problem.</summary>
public class SafetensorsMalformedTests
{
    private const string Good = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[8,16]}}";

    private static SafetensorsException Refused(byte[] bytes, params string[] phrases)
    {
        using var dir = new TestFiles.TempDir();
        string path = dir.Write("bad.safetensors", bytes);
        var ex = Assert.Throws<SafetensorsException>(() => { using var f = new SafetensorsFile(path); });
        Assert.Equal(path, ex.FilePath);
        Assert.Contains(path, ex.Message);
        foreach (string phrase in phrases) Assert.Contains(phrase, ex.Message);
        return ex;
    }

    private static string Entry(string name, string dtype, string shape, string offsets) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":{offsets}}}";

    [Fact]
    public void TheBaseCaseIsValid()
    {
        using var dir = new TestFiles.TempDir();
        using var f = new SafetensorsFile(dir.Write("ok.safetensors", TestFiles.Raw(Good, 16, pad: 3)));
        Assert.Equal(new[] { "a", "b" }, f.Names);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void FileShorterThanTheLengthPrefix(int length) =>
        Refused(new byte[length], $"file is {length} bytes", "too short");

    [Fact]
    public void HeaderExtendsPastTheEndOfTheFile() =>
        Refused(TestFiles.Raw(Good, 16, headerLength: 4096), "header length 4096", "past the end", "truncated");

    [Theory]
    [InlineData(100_000_001UL)]
    [InlineData(ulong.MaxValue)]
    [InlineData(1UL << 63)]
    public void OversizedHeaderLength(ulong n) =>
        Refused(TestFiles.Raw(Good, 16, headerLength: n), $"header length {n}", "exceeds");

    [Fact]
    public void DataShorterThanTheOffsets() =>
        Refused(TestFiles.Raw(Good, 12), "'b'", "[8, 16]", "past the end of the data buffer (12 bytes)", "truncated");

    [Fact]
    public void EveryTruncationOfAValidFileIsRefused()
    {
        byte[] whole = TestFiles.Raw(Good, 16, pad: 3);
        for (int length = 0; length < whole.Length; length++)
            Refused(whole[..length]);
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",", "not valid JSON")]
    [InlineData("{\"a\":1,}", "not valid JSON")]
    [InlineData("{} {}", "not valid JSON")]
    [InlineData("{\"a\": /* c */ 1}", "not valid JSON")]
    [InlineData("", "not a JSON object")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("\"text\"", "not a JSON object")]
    [InlineData(" {}", "not a JSON object")]
    public void BadJsonOrNotAnObject(string json, string phrase) => Refused(TestFiles.Raw(json), phrase);

    [Fact]
    public void HeaderPaddedWithSomethingOtherThanWhitespace()
    {
        byte[] bytes = TestFiles.Raw("{}\0\0\0\0\0\0");
        Refused(bytes, "not valid JSON");
    }

    [Theory]
    [InlineData("{\"\\ud800\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}")]
    [InlineData("{\"__metadata__\":{\"k\":\"\\udc00x\"}}")]
    [InlineData("{\"__metadata__\":{\"\\ud800\\u0041\":\"v\"}}")]
    public void EscapedLoneSurrogates(string json) => Refused(TestFiles.Raw(json), "not valid JSON");

    [Fact]
    public void DeeplyNestedJson() =>
        Refused(TestFiles.Raw("{\"__metadata__\":" + new string('[', 5000) + new string(']', 5000) + "}"), "not valid JSON");

    [Fact]
    public void HeaderNotUtf8()
    {
        byte[] bytes = TestFiles.Raw("{\"x\":\"ab\"}");
        bytes[8 + 7] = 0xFF;
        Refused(bytes, "not valid UTF-8");
    }

    [Theory]
    [InlineData("F128", "unknown dtype 'F128'")]
    [InlineData("f32", "unknown dtype 'f32'")]
    [InlineData("U32", "dtype 'U32' is not supported")]
    [InlineData("F8_E4M3", "dtype 'F8_E4M3' is not supported")]
    public void UnknownOrUnsupportedDType(string dtype, string phrase) =>
        Refused(TestFiles.Raw("{" + Entry("w", dtype, "[2]", "[0,8]") + "}", 8), "tensor 'w'", phrase);

    [Fact]
    public void OffsetsOutOfRange() =>
        Refused(TestFiles.Raw("{" + Entry("w", "F32", "[2]", "[100,108]") + "}", 8), "tensor 'w'", "[100, 108]", "past the end");

    [Fact]
    public void OffsetsEndBeforeTheyBegin() =>
        Refused(TestFiles.Raw("{" + Entry("w", "F32", "[0]", "[8,4]") + "}", 8), "tensor 'w'", "end before they begin");

    [Theory]
    [InlineData("[0,12]", 12, "span 12 bytes", "needs 8")]
    [InlineData("[0,4]", 4, "span 4 bytes", "needs 8")]
    public void OffsetsInconsistentWithShapeAndDType(string offsets, int data, string phrase1, string phrase2) =>
        Refused(TestFiles.Raw("{" + Entry("w", "F32", "[2]", offsets) + "}", data), "tensor 'w'", "F32 [2]", phrase1, phrase2);

    [Fact]
    public void OverlappingEntries() =>
        Refused(TestFiles.Raw("{" + Entry("a", "F32", "[2]", "[0,8]") + "," + Entry("b", "F32", "[2]", "[4,12]") + "}", 12),
            "tensor 'b'", "overlaps tensor 'a'");

    [Fact]
    public void TwoEntriesSharingTheSameBytes() =>
        Refused(TestFiles.Raw("{" + Entry("a", "F32", "[2]", "[0,8]") + "," + Entry("b", "I32", "[2]", "[0,8]") + "}", 8), "overlaps");

    [Fact]
    public void HoleInTheDataBuffer() =>
        Refused(TestFiles.Raw("{" + Entry("a", "F32", "[1]", "[0,4]") + "," + Entry("b", "F32", "[1]", "[8,12]") + "}", 12),
            "hole of 4 bytes at offset 4", "'b'");

    [Fact]
    public void DataBeforeTheFirstTensorIsAHole() =>
        Refused(TestFiles.Raw("{" + Entry("a", "F32", "[1]", "[4,8]") + "}", 8), "hole of 4 bytes at offset 0");

    [Fact]
    public void TrailingBytesAfterTheLastTensor() =>
        Refused(TestFiles.Raw(Good, 20), "20 bytes", "cover only 16", "4 trailing bytes");

    [Theory]
    [InlineData("[2,-3]", "shape[1] is negative (-3)")]
    [InlineData("[2.5]", "shape[0] is 2.5")]
    [InlineData("[\"2\"]", "shape[0] is \"2\"")]
    [InlineData("[1e1]", "shape[0] is 1e1")]
    [InlineData("[18446744073709551616]", "shape[0] is 18446744073709551616")]
    [InlineData("2", "shape is a JSON number")]
    public void BadShape(string shape, string phrase) =>
        Refused(TestFiles.Raw("{" + Entry("w", "F32", shape, "[0,8]") + "}", 8), "tensor 'w'", phrase);

    [Fact]
    public void ShapeWhoseByteSizeOverflows() =>
        Refused(TestFiles.Raw("{" + Entry("w", "F64", "[4294967296,4294967296]", "[0,8]") + "}", 8), "tensor 'w'", "overflows");

    [Theory]
    [InlineData("[0]", "data_offsets is [0]")]
    [InlineData("[0,8,8]", "data_offsets is [0,8,8]")]
    [InlineData("[0,-8]", "not two non-negative integers")]
    [InlineData("[0,8.0]", "not two non-negative integers")]
    [InlineData("{}", "data_offsets is {}")]
    public void BadOffsets(string offsets, string phrase) =>
        Refused(TestFiles.Raw("{" + Entry("w", "F32", "[2]", offsets) + "}", 8), "tensor 'w'", phrase);

    [Theory]
    [InlineData("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", "missing field 'dtype'")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", "missing field 'shape'")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", "missing field 'data_offsets'")]
    [InlineData("{\"w\":{\"dtype\":32,\"shape\":[2],\"data_offsets\":[0,8]}}", "dtype is a JSON number")]
    [InlineData("{\"w\":[1,2]}", "entry is a JSON array")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "duplicate field 'dtype'")]
    public void BadEntry(string json, string phrase) => Refused(TestFiles.Raw(json, 8), "tensor 'w'", phrase);

    [Fact]
    public void DuplicateTensorNames() =>
        Refused(TestFiles.Raw("{" + Entry("w", "F32", "[1]", "[0,4]") + "," + Entry("w", "F32", "[1]", "[4,8]") + "}", 8), "duplicate key 'w'");

    [Fact]
    public void DuplicateMetadata() =>
        Refused(TestFiles.Raw("{\"__metadata__\":{},\"__metadata__\":{}}"), "duplicate key '__metadata__'");

    [Theory]
    [InlineData("{\"__metadata__\":{\"a\":\"x\",\"n\":1}}", "value for key 'n' is a JSON number")]
    [InlineData("{\"__metadata__\":{\"a\":{\"b\":\"c\"}}}", "value for key 'a' is a JSON object")]
    [InlineData("{\"__metadata__\":{\"a\":null}}", "value for key 'a' is a JSON null")]
    [InlineData("{\"__metadata__\":[\"a\"]}", "'__metadata__' is a JSON array")]
    [InlineData("{\"__metadata__\":\"a\"}", "'__metadata__' is a JSON string")]
    [InlineData("{\"__metadata__\":{\"a\":\"x\",\"a\":\"y\"}}", "duplicate key 'a' in '__metadata__'")]
    public void BadMetadata(string json, string phrase) => Refused(TestFiles.Raw(json), phrase);

    [Fact]
    public void NullMetadataMeansNone()
    {
        using var dir = new TestFiles.TempDir();
        using var f = new SafetensorsFile(dir.Write("null.safetensors", TestFiles.Raw("{\"__metadata__\":null}")));
        Assert.Empty(f.Metadata);
        Assert.Empty(f.Names);
    }

    [Fact]
    public void AskingForAMissingTensor()
    {
        using var dir = new TestFiles.TempDir();
        string path = dir.Write("ok.safetensors", TestFiles.Raw(Good, 16));
        using var f = new SafetensorsFile(path);
        var ex = Assert.Throws<SafetensorsException>(() => f.Load("c"));
        Assert.Contains("no tensor named 'c'", ex.Message);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void FileTruncatedAfterOpening()
    {
        using var scope = torch.NewDisposeScope();
        using var dir = new TestFiles.TempDir();
        string path = dir.Write("shrinks.safetensors", TestFiles.Raw(Good, 16));
        using var f = new SafetensorsFile(path);
        using (var s = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) s.SetLength(s.Length - 4);
        var ex = Assert.Throws<SafetensorsException>(() => f.Load("b"));
        Assert.Contains("tensor 'b'", ex.Message);
        Assert.Contains("truncated after being opened", ex.Message);
        Assert.Equal(2, f.Load("a").NumEl);
    }

    private const string JsonChars = "{}[]\",:0123456789-e. \\u";

    [Fact]
    public void RandomCorruptionGivesOnlySafetensorsExceptions()
    {
        using var scope = torch.NewDisposeScope();
        using var dir = new TestFiles.TempDir();
        byte[] good = TestFiles.Raw("{\"__metadata__\":{\"k\":\"v\"}," + Entry("a", "F32", "[2]", "[0,8]") + "," + Entry("b", "I64", "[1]", "[8,16]") + "}", 16, pad: 5);
        var random = new Random(12345);
        string path = dir.File("fuzz.safetensors");
        int opened = 0;
        for (int i = 0; i < 3000; i++)
        {
            byte[] bytes = (byte[])good.Clone();
            int flips = 1 + random.Next(3);
            for (int k = 0; k < flips; k++)
            {
                int at = random.Next(Math.Min(bytes.Length, 8 + 120));
                bytes[at] = random.Next(3) switch
                {
                    0 => (byte)random.Next(256),
                    1 => (byte)JsonChars[random.Next(JsonChars.Length)],
                    _ => (byte)(bytes[at] ^ (1 << random.Next(8))),
                };
            }
            File.WriteAllBytes(path, bytes);
            try
            {
                using var f = new SafetensorsFile(path);
                foreach (string name in f.Names) f.Load(name).Dispose();
                opened++;
            }
            catch (SafetensorsException ex)
            {
                Assert.Contains(path, ex.Message);
            }
        }
        Assert.InRange(opened, 1, 2999);
    }
}
