using System.Globalization;
using System.Text;

namespace Torch.Tests;

/// <summary>Paths the safetensors tests read from, and small helpers to build and compare files.</summary>
internal static class TestFiles
{
    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>The shared reference data: <c>../shared/ref</c> beside the repository root (the folder with Server.sln).</summary>
    public static string RefRoot()
    {
        string start = AppContext.BaseDirectory;
        DirectoryInfo? dir = new(start);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Server.sln"))) dir = dir.Parent;
        if (dir is null)
            Assert.Fail($"no folder containing Server.sln above the test assembly directory {start}: cannot locate ../shared/ref");
        string refRoot = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "ref"));
        if (!Directory.Exists(refRoot))
            Assert.Fail($"reference data folder not found: looked for {refRoot} (../shared/ref relative to the repository root {dir.FullName})");
        return refRoot;
    }

    public static string[] RefFiles(string refRoot)
    {
        var files = Find(Path.Combine(refRoot, "refs"), SearchOption.TopDirectoryOnly)
            .Concat(Find(Path.Combine(refRoot, "models"), SearchOption.AllDirectories))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToArray();
        if (files.Length == 0) Assert.Fail($"no *.safetensors files under {refRoot}/refs or {refRoot}/models");
        return files;

        static string[] Find(string dir, SearchOption option) =>
            Directory.Exists(dir) ? Directory.GetFiles(dir, "*.safetensors", option) : [];
    }

    /// <summary>A raw file: length prefix (the JSON's byte count unless overridden), JSON, then data bytes.</summary>
    public static byte[] Raw(string json, int dataBytes = 0, ulong? headerLength = null, int pad = 0)
    {
        byte[] header = Encoding.UTF8.GetBytes(json + new string(' ', pad));
        var bytes = new byte[8 + header.Length + dataBytes];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), headerLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        for (int i = 0; i < dataBytes; i++) bytes[8 + header.Length + i] = (byte)(i * 7 + 1);
        return bytes;
    }

    public static byte[] Bytes(Tensor t)
    {
        var b = new byte[t.NumEl * t.ElementSize];
        t.CopyBytesTo(b);
        return b;
    }

    public static double ParseDouble(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>Equal as IEEE values bit for bit (so -0 ≠ +0), with any NaN equal to any NaN.</summary>
    public static bool SameFloat(double a, double b) =>
        double.IsNaN(a) ? double.IsNaN(b) : BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b);

    /// <summary>A fresh directory under the system temp folder, deleted on dispose.</summary>
    public sealed class TempDir : IDisposable
    {
        private readonly TempDirectory _directory = new("st-tests-");

        public string Dir => _directory.Path;

        public string File(string name) => System.IO.Path.Combine(Dir, name);

        public string Write(string name, byte[] bytes)
        {
            string path = File(name);
            System.IO.File.WriteAllBytes(path, bytes);
            return path;
        }

        public void Dispose() => _directory.Dispose();
    }
}
