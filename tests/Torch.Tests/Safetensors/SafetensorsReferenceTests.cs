using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Torch.Tests;

/// <summary>
/// Reading files made elsewhere, checked against values PyTorch read from the same bytes
/// (Fixtures/gen_safetensors.py → Fixtures/safetensors_expected.json).
/// </summary>
public class SafetensorsReferenceTests
{
    private static readonly JsonElement Expected =
        JsonDocument.Parse(File.ReadAllBytes(TestFiles.Fixture("safetensors_expected.json"))).RootElement;

    [Fact]
    public void ReadsEveryDTypeAsPyTorchDoes()
    {
        using var scope = torch.NewDisposeScope();
        JsonElement fixture = Expected.GetProperty("dtypes");
        using var file = Safetensors.Open(TestFiles.Fixture(fixture.GetProperty("file").GetString()!));

        var metadata = fixture.GetProperty("metadata").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        Assert.Equal(metadata, file.Metadata);

        var tensors = fixture.GetProperty("tensors").EnumerateObject().ToList();
        Assert.Equal(tensors.Select(t => t.Name).Order(StringComparer.Ordinal), file.Names.Order(StringComparer.Ordinal));
        Assert.Contains(file.Entries, e => e.DType == DType.Float16);
        Assert.Contains(file.Entries, e => e.DType == DType.BFloat16);
        foreach (JsonProperty t in tensors)
        {
            Tensor loaded = file.Load(t.Name);
            CheckHeader(t.Value, loaded, t.Name);
            CheckValues(t.Value.GetProperty("values"), loaded, t.Name);
            if (t.Value.TryGetProperty("as_f32", out JsonElement asF32))
            {
                Tensor up = file.Load(t.Name, DType.Float32);
                Assert.Equal(DType.Float32, up.DType);
                Assert.Equal(loaded.Shape, up.Shape);
                CheckValues(asF32, up, t.Name + " as float32");
            }
        }
    }

    [Fact]
    public void LoadsEveryEntryOfEverySharedReferenceFile()
    {
        string refRoot = TestFiles.RefRoot();
        int tensors = 0;
        foreach (string path in TestFiles.RefFiles(refRoot))
        {
            using var scope = torch.NewDisposeScope();
            using var file = Safetensors.Open(path);
            Assert.NotEmpty(file.Entries);
            foreach (SafetensorsEntry e in file.Entries)
            {
                Tensor t = file.Load(e.Name);
                Assert.True(e.DType == t.DType, $"{path} {e.Name}: dtype {t.DType}, header says {e.DType}");
                Assert.True(e.Shape.SequenceEqual(t.Shape), $"{path} {e.Name}: shape [{string.Join(",", t.Shape)}], header says [{string.Join(",", e.Shape)}]");
                tensors++;
            }
        }
        Assert.True(tensors > 1000, $"only {tensors} tensors in the reference files");
    }

    [Fact]
    public void ReferenceFileValuesAndMetadataMatchPyTorch()
    {
        string refRoot = TestFiles.RefRoot();
        var present = TestFiles.RefFiles(refRoot).Select(f => Path.GetRelativePath(refRoot, f)).ToHashSet();
        foreach (JsonElement fileFixture in Expected.GetProperty("refs").EnumerateArray())
        {
            string relative = fileFixture.GetProperty("file").GetString()!;
            Assert.True(present.Contains(relative), $"{relative} is in the fixture but not under {refRoot}");
            using var scope = torch.NewDisposeScope();
            using var file = Safetensors.Open(Path.Combine(refRoot, relative));
            Assert.Equal(fileFixture.GetProperty("count").GetInt32(), file.Entries.Count);

            var hashes = fileFixture.GetProperty("metadata_sha256").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            Assert.Equal(hashes.Keys.Order(), file.Metadata.Keys.Order());
            foreach ((string key, string value) in file.Metadata)
                Assert.True(hashes[key] == Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value))), $"{relative}: metadata '{key}' differs");

            foreach (JsonElement check in fileFixture.GetProperty("tensors").EnumerateArray())
            {
                string name = check.GetProperty("name").GetString()!;
                string what = $"{relative} {name}";
                Tensor t = file.Load(name);
                CheckHeader(check, t, what);
                CheckValues(check.GetProperty("first"), t.Reshape(-1).Narrow(0, 0, Math.Min(4, t.NumEl)), what);
                string sum = check.GetProperty("sum").GetString()!;
                if (t.DType.IsFloatingPoint())
                {
                    double expected = TestFiles.ParseDouble(sum), actual = t.To(DType.Float64).Sum().ToDouble();
                    Assert.True(Math.Abs(actual - expected) <= 1e-9 * Math.Max(1, Math.Abs(expected)), $"{what}: sum {actual}, PyTorch {expected}");
                }
                else
                {
                    Assert.Equal(long.Parse(sum), t.To(DType.Int64).Sum().ToInt64());
                }
            }
        }
    }

    [Fact]
    public void SharedReferenceFilesSurviveARoundTripThroughOurWriter()
    {
        string refRoot = TestFiles.RefRoot();
        using var dir = new TestFiles.TempDir();
        foreach (string path in TestFiles.RefFiles(refRoot))
        {
            using var scope = torch.NewDisposeScope();
            using var original = Safetensors.Open(path);
            var tensors = original.LoadAll();
            string copy = dir.File("copy.safetensors");
            Safetensors.Save(copy, tensors, original.Metadata);
            using var reread = Safetensors.Open(copy);
            Assert.Equal(original.Metadata, reread.Metadata);
            Assert.Equal(original.Names.Order(StringComparer.Ordinal), reread.Names.Order(StringComparer.Ordinal));
            Assert.Equal(new FileInfo(path).Length - original.DataStart, new FileInfo(copy).Length - reread.DataStart);
            foreach ((string name, Tensor t) in tensors)
                Assert.True(TestFiles.Bytes(t).AsSpan().SequenceEqual(TestFiles.Bytes(reread.Load(name))), $"{path} {name} changed");
        }
    }

    [Fact]
    public void RewritingTheSharedModelFilesReproducesThemByteForByte()
    {
        // The model files were written with the reference layout (the refs/ files escape non-ASCII
        // metadata, which the reference writer does not, so only their tensors are compared above).
        string refRoot = TestFiles.RefRoot();
        using var dir = new TestFiles.TempDir();
        string[] models = TestFiles.RefFiles(refRoot).Where(f => Path.GetRelativePath(refRoot, f).StartsWith("models", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(models);
        foreach (string path in models)
        {
            using var scope = torch.NewDisposeScope();
            using var original = Safetensors.Open(path);
            string copy = dir.File("copy.safetensors");
            Safetensors.Save(copy, original.LoadAll(), original.Metadata);
            Assert.True(File.ReadAllBytes(path).AsSpan().SequenceEqual(File.ReadAllBytes(copy)), $"rewriting {path} changed its bytes");
        }
    }

    private static void CheckHeader(JsonElement expected, Tensor t, string what)
    {
        Assert.True(expected.GetProperty("dtype").GetString() == SafetensorsDTypes.Name(t.DType), $"{what}: dtype {t.DType}");
        long[] shape = expected.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
        Assert.True(shape.SequenceEqual(t.Shape), $"{what}: shape [{string.Join(",", t.Shape)}], PyTorch [{string.Join(",", shape)}]");
    }

    private static void CheckValues(JsonElement expected, Tensor t, string what)
    {
        string[] want = expected.EnumerateArray().Select(v => v.GetString()!).ToArray();
        Assert.Equal(want.Length, t.NumEl);
        if (t.DType.IsFloatingPoint())
        {
            double[] got = t.To(DType.Float64).Reshape(-1).ToArray<double>();
            for (int i = 0; i < want.Length; i++)
                Assert.True(TestFiles.SameFloat(TestFiles.ParseDouble(want[i]), got[i]), $"{what}[{i}]: {got[i]:R}, PyTorch {want[i]}");
        }
        else
        {
            long[] got = t.To(DType.Int64).Reshape(-1).ToArray<long>();
            Assert.Equal(want.Select(long.Parse), got);
        }
    }
}
