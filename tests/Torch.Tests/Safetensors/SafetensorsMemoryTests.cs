using System.Text;

namespace Torch.Tests;

[CollectionDefinition(nameof(SafetensorsMemoryTests), DisableParallelization = true)]
public class SafetensorsMemoryCollection;

/// <summary>
/// Loading makes one copy of the data: process memory grows by about the tensor's size, not by the
/// file plus the tensor. Runs alone, since other tests' allocations would blur the measurement.
/// </summary>
[Collection(nameof(SafetensorsMemoryTests))]
public class SafetensorsMemoryTests
{
    private const long Elements = 50_000_000; // 200 MB of float32, 100 MB of float16

    [Fact]
    public void LoadingGrowsMemoryByOneCopy()
    {
        using var dir = new TestFiles.TempDir();
        string path = dir.File("big.safetensors");
        long dataBytes = Elements * 4;
        WriteBigFile(path, "F32", dataBytes, i => BitConverter.GetBytes((float)(i % 1000)));

        using var scope = torch.NewDisposeScope();
        using var file = Safetensors.Open(path);
        (long peak, Tensor t) = PeakGrowthWhile(() => file.Load("x"));
        Assert.True(peak < 1.3 * dataBytes, $"loading {dataBytes >> 20} MiB grew the peak RSS by {peak >> 20} MiB (limit 1.3×)");
        Assert.True(peak > 0.9 * dataBytes, $"peak RSS grew by only {peak >> 20} MiB for a {dataBytes >> 20} MiB tensor: is VmHWM measured?");
        Assert.Equal([Elements], t.Shape);
        foreach (long i in new long[] { 0, 1, 999, 1000, 12_345_678, Elements - 1 })
            Assert.Equal(i % 1000, t[i].ToDouble());
    }

    [Fact]
    public void UpcastingHalfToFloatNeedsNoFullSizeTemporary()
    {
        using var dir = new TestFiles.TempDir();
        string path = dir.File("half.safetensors");
        WriteBigFile(path, "F16", Elements * 2, i => BitConverter.GetBytes((Half)(i % 1000)));

        using var scope = torch.NewDisposeScope();
        using var file = Safetensors.Open(path);
        long resultBytes = Elements * 4;
        (long peak, Tensor t) = PeakGrowthWhile(() => file.Load("x", DType.Float32));
        Assert.True(peak < 1.2 * resultBytes, $"loading {resultBytes >> 20} MiB as float32 grew the peak RSS by {peak >> 20} MiB");
        Assert.Equal(DType.Float32, t.DType);
        foreach (long i in new long[] { 0, 777, 4_194_303, 4_194_304, Elements - 1 })
            Assert.Equal(i % 1000, t[i].ToDouble());
    }

    private static (long PeakGrowth, Tensor Result) PeakGrowthWhile(Func<Tensor> load)
    {
        // The first tensor operation maps libtorch's code (~150 MB of RSS): get that done beforehand.
        using (Tensor small = torch.Ones([16], DType.Float16))
        using (Tensor flat = small.Reshape(-1))
        using (Tensor piece = flat.Narrow(0, 0, 8))
        using (Tensor target = torch.Empty([8]))
            target.Copy_(piece);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        File.WriteAllText("/proc/self/clear_refs", "5"); // resets VmHWM to the current RSS
        long before = Status("VmRSS");
        Tensor result = load();
        return (Status("VmHWM") - before, result);
    }

    private static long Status(string field)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0]) * 1024;
        throw new InvalidOperationException($"no {field} in /proc/self/status");
    }

    /// <summary>One 1-D tensor "x", written in 1 MiB pieces so the test itself holds no large buffer.</summary>
    private static void WriteBigFile(string path, string dtype, long dataBytes, Func<long, byte[]> element)
    {
        int size = dtype == "F16" ? 2 : 4;
        string json = $"{{\"x\":{{\"dtype\":\"{dtype}\",\"shape\":[{dataBytes / size}],\"data_offsets\":[0,{dataBytes}]}}}}";
        byte[] header = Encoding.UTF8.GetBytes(json.PadRight((json.Length + 7) / 8 * 8));
        using var stream = new FileStream(path, FileMode.CreateNew);
        stream.Write(BitConverter.GetBytes((ulong)header.Length));
        stream.Write(header);
        var piece = new byte[1 << 20];
        byte[][] pattern = Enumerable.Range(0, 1000).Select(i => element(i)).ToArray();
        long index = 0;
        for (long written = 0; written < dataBytes; written += piece.Length)
        {
            for (int at = 0; at < piece.Length; at += size, index++) pattern[index % 1000].CopyTo(piece, at);
            stream.Write(piece, 0, (int)Math.Min(piece.Length, dataBytes - written));
        }
    }
}
