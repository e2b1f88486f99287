using System.Text;

namespace Torch.Tests;

public class SafetensorsRoundTripTests
{
    private static Dictionary<string, Tensor> SampleTensors(Generator g) => new()
    {
        ["f32"] = torch.Randn([3, 4], g),
        ["f16"] = torch.Randn([2, 5], g).To(DType.Float16),
        ["bf16"] = torch.Randn([7], g).To(DType.BFloat16),
        ["i64"] = Tensor.FromArray(new long[] { long.MinValue, -1, 0, 1, long.MaxValue }, 5),
        ["f64"] = torch.Randn([2, 1, 3], g, DType.Float64),
        ["bool"] = Tensor.FromArray(new bool[] { true, false, true }, 3),
        ["u8"] = Tensor.FromArray(new byte[] { 0, 1, 254, 255 }, 2, 2),
        ["i32"] = Tensor.FromArray(new int[] { int.MinValue, 5, int.MaxValue }, 3),
        ["i16"] = Tensor.FromArray(new short[] { short.MinValue, short.MaxValue }, 2),
        ["i8"] = Tensor.FromArray(new sbyte[] { sbyte.MinValue, 0, sbyte.MaxValue }, 3),
        ["scalar.f32"] = torch.Scalar(3.25),
        ["scalar.i64"] = torch.Scalar(-7, DType.Int64),
        ["scalar.bool"] = torch.Scalar(1, DType.Bool),
        ["empty.f32"] = torch.Empty([0]),
        ["empty.f16"] = torch.Empty([3, 0, 2], DType.Float16),
        ["empty.u8"] = torch.Empty([0, 0], DType.UInt8),
    };

    [Fact]
    public void RoundTripsEveryDTypeWithScalarsEmptiesAndMetadata()
    {
        using var scope = torch.NewDisposeScope();
        using var dir = new TestFiles.TempDir();
        var tensors = SampleTensors(new Generator(7));
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["unicode"] = "café ✓ 😀",
            ["escapes"] = "quote \" backslash \\ newline \n tab \t nul \0 bell \a",
            ["empty"] = "",
            [""] = "empty key",
        };
        string path = dir.File("all.safetensors");
        Safetensors.Save(path, tensors, metadata);

        using var file = Safetensors.Open(path);
        Assert.Equal(metadata, file.Metadata);
        Assert.Equal(tensors.Keys.Order(StringComparer.Ordinal), file.Names.Order(StringComparer.Ordinal));
        foreach ((string name, Tensor original) in tensors)
        {
            SafetensorsEntry entry = file[name];
            Assert.Equal(original.DType, entry.DType);
            Assert.Equal(original.Shape, entry.Shape);
            Assert.Equal(original.NumEl, entry.NumEl);
            Tensor loaded = file.Load(name);
            Assert.Equal(original.DType, loaded.DType);
            Assert.Equal(original.Shape, loaded.Shape);
            Assert.Equal(Device.CPU, loaded.Device);
            Assert.Equal(TestFiles.Bytes(original), TestFiles.Bytes(loaded));
        }

        var all = file.LoadAll();
        Assert.Equal(tensors.Count, all.Count);
        Assert.Equal(TestFiles.Bytes(tensors["bf16"]), TestFiles.Bytes(all["bf16"]));
        Assert.Equal(3.25, all["scalar.f32"].ToDouble());
        Assert.Empty(all["scalar.f32"].Shape);
    }

    [Fact]
    public void WithoutMetadataTheHeaderHasNoMetadataEntry()
    {
        using var scope = torch.NewDisposeScope();
        using var dir = new TestFiles.TempDir();
        string path = dir.File("plain.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["x"] = torch.Ones([2]) });
        Assert.DoesNotContain("__metadata__", Encoding.UTF8.GetString(File.ReadAllBytes(path)));
        using var file = Safetensors.Open(path);
        Assert.Empty(file.Metadata);
        Assert.Equal(new[] { "x" }, file.Names);
    }

    [Fact]
    public void ConvertsHalfAndBFloat16ToFloat32OnLoad()
    {
        using var scope = torch.NewDisposeScope();
        using var dir = new TestFiles.TempDir();
        var g = new Generator(3);
        Tensor half = torch.Randn([4, 1000, 9], g).To(DType.Float16);
        Tensor bf = torch.Randn([5, 3], g).To(DType.BFloat16);
        string path = dir.File("half.safetensors");
        Tensor ids = torch.Arange(5);
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["half"] = half, ["bf"] = bf, ["empty"] = torch.Empty([0, 2], DType.Float16), ["ids"] = ids });

        using var file = Safetensors.Open(path);
        Tensor up = file.Load("half", DType.Float32);
        Assert.Equal(DType.Float32, up.DType);
        Assert.Equal(half.Shape, up.Shape);
        Assert.Equal(half.To(DType.Float32).ToArray<float>(), up.ToArray<float>());
        Assert.Equal(bf.To(DType.Float32).ToArray<float>(), file.Load("bf", DType.Float32).ToArray<float>());
        Assert.Equal([0L, 2L], file.Load("empty", DType.Float32).Shape);
        Assert.Equal(DType.Float64, file.Load("ids", DType.Float64).DType);
        Assert.Equal(new double[] { 0, 1, 2, 3, 4 }, file.Load("ids", DType.Float64).ToArray<double>());

        var all = Safetensors.Load(path, DType.Float32);
        Assert.Equal(half.To(DType.Float32).ToArray<float>(), all["half"].ToArray<float>());
        Assert.Equal(DType.Float32, all["bf"].DType);
        Assert.Equal(DType.Int64, all["ids"].DType); // only floating-point tensors are converted by LoadAll
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, all["ids"].ToArray<long>());
    }

    [Fact]
    public void WritesNonContiguousTensorsAsTheirContiguousValues()
    {
        using var scope = torch.NewDisposeScope();
        using var dir = new TestFiles.TempDir();
        Tensor baseTensor = torch.Arange(0, 12, 1).Reshape(3, 4);
        Tensor transposed = baseTensor.T;
        Tensor expanded = torch.Arange(0, 3, 1).Reshape(3, 1).Expand(3, 4);
        Tensor strided = baseTensor.Slice(1, 0, 4, 2);
        Tensor withGrad = torch.Randn([3], new Generator(1)).RequiresGrad_();
        Assert.False(transposed.IsContiguous);
        string path = dir.File("views.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["t"] = transposed, ["e"] = expanded, ["s"] = strided, ["g"] = withGrad });

        using var file = Safetensors.Open(path);
        Assert.Equal(transposed.Contiguous().ToArray<float>(), file.Load("t").ToArray<float>());
        Assert.Equal([4L, 3L], file.Load("t").Shape);
        Assert.Equal(expanded.Contiguous().ToArray<float>(), file.Load("e").ToArray<float>());
        Assert.Equal(new float[] { 0, 2, 4, 6, 8, 10 }, file.Load("s").ToArray<float>());
        Assert.Equal(withGrad.Detach().ToArray<float>(), file.Load("g").ToArray<float>());
        Assert.False(file.Load("g").RequiresGrad);
    }

    [Fact]
    public void WritesTheReferenceWritersBytes()
    {
        // Expected outputs of the reference crate's own serialization tests: compact JSON, no padding
        // when the header is already 8-byte aligned, spaces otherwise, data right after the header.
        using var scope = torch.NewDisposeScope();
        using var dir = new TestFiles.TempDir();
        float[] values = [0, 1, 2, 3, 4, 5];

        string p1 = dir.File("a.safetensors");
        Safetensors.Save(p1, new Dictionary<string, Tensor> { ["attn.0"] = Tensor.FromArray(values, 1, 2, 3) });
        Assert.Equal(Expected("{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}", values), File.ReadAllBytes(p1));

        string p2 = dir.File("b.safetensors");
        Safetensors.Save(p2, new Dictionary<string, Tensor> { ["attn0"] = Tensor.FromArray(values, 1, 1, 2, 3) });
        Assert.Equal(Expected("{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       ", values), File.ReadAllBytes(p2));

        string p3 = dir.File("c.safetensors");
        Safetensors.Save(p3, new Dictionary<string, Tensor>());
        Assert.Equal(Expected("{}      ", []), File.ReadAllBytes(p3));

        string p4 = dir.File("d.safetensors");
        Safetensors.Save(p4, new Dictionary<string, Tensor>(), new Dictionary<string, string> { ["framework"] = "pt" });
        Assert.Equal(Expected("{\"__metadata__\":{\"framework\":\"pt\"}}     ", []), File.ReadAllBytes(p4));

        static byte[] Expected(string header, float[] data)
        {
            var bytes = new List<byte>(BitConverter.GetBytes((ulong)header.Length));
            bytes.AddRange(Encoding.UTF8.GetBytes(header));
            foreach (float v in data) bytes.AddRange(BitConverter.GetBytes(v));
            return bytes.ToArray();
        }
    }

    [Fact]
    public void LaysTensorsOutByDTypeAlignmentThenNameWithAnAlignedHeader()
    {
        using var scope = torch.NewDisposeScope();
        using var dir = new TestFiles.TempDir();
        string path = dir.File("order.safetensors");
        Safetensors.Save(path, SampleTensors(new Generator(2)), new Dictionary<string, string> { ["k"] = "v" });

        using var file = Safetensors.Open(path);
        Assert.Equal(0, file.DataStart % 8);
        string[] expected =
        [
            "i64", "scalar.i64", "f64", "empty.f32", "f32", "scalar.f32", "i32", "bf16", "empty.f16", "f16", "i16", "i8",
            "empty.u8", "u8", "bool", "scalar.bool",
        ];
        // Names in data order equal the writer's order except that empty tensors share an offset with their successor.
        Assert.Equal(expected.Order(StringComparer.Ordinal), file.Names.Order(StringComparer.Ordinal));
        string header = Encoding.UTF8.GetString(File.ReadAllBytes(path), 8, (int)file.DataStart - 8);
        int[] positions = expected.Select(n => header.IndexOf($"\"{n}\":", StringComparison.Ordinal)).ToArray();
        Assert.True(header.StartsWith("{\"__metadata__\":{\"k\":\"v\"},", StringComparison.Ordinal), header);
        Assert.Equal(positions.Order(), positions);
        Assert.EndsWith("}", header.TrimEnd(' '));
    }

    [Fact]
    public void ReplacesAnExistingFileAndLeavesNoTemporaryFiles()
    {
        using var scope = torch.NewDisposeScope();
        using var dir = new TestFiles.TempDir();
        string path = dir.File("model.safetensors");
        File.WriteAllText(path, "old content");
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["w"] = torch.Full([2, 2], 1.5) });
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["w"] = torch.Full([3], 2.5) });

        Assert.Equal(new[] { path }, Directory.GetFileSystemEntries(dir.Dir));
        using var file = Safetensors.Open(path);
        Assert.Equal(new float[] { 2.5f, 2.5f, 2.5f }, file.Load("w").ToArray<float>());
    }

    [Fact]
    public void AFailedSaveLeavesNothingBehind()
    {
        using var scope = torch.NewDisposeScope();
        using var dir = new TestFiles.TempDir();
        string target = dir.File("taken");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "keep.txt"), "x");

        Assert.ThrowsAny<IOException>(() => Safetensors.Save(target, new Dictionary<string, Tensor> { ["w"] = torch.Ones([1000]) }));
        Assert.Equal(new[] { target }, Directory.GetFileSystemEntries(dir.Dir));
        Assert.Equal("x", File.ReadAllText(Path.Combine(target, "keep.txt")));
    }

    [Fact]
    public void RejectsTensorsNamedLikeTheMetadataKey()
    {
        using var scope = torch.NewDisposeScope();
        using var dir = new TestFiles.TempDir();
        string path = dir.File("bad.safetensors");
        var ex = Assert.Throws<ArgumentException>(() => Safetensors.Save(path, new Dictionary<string, Tensor> { ["__metadata__"] = torch.Ones([1]) }));
        Assert.Contains("reserved", ex.Message);
        Assert.False(File.Exists(path));
    }
}
