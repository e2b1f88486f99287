using System.Text.Json;
using Torch;

namespace Torch.Tests.NN;

/// <summary>Reads Fixtures/nn.json (written by Fixtures/gen_nn.py with PyTorch 1.13) and compares against it.</summary>
internal static class NnFixture
{
    private static readonly Lazy<JsonElement> Root = new(() =>
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "nn.json");
        using FileStream stream = File.OpenRead(path);
        return JsonDocument.Parse(stream).RootElement.Clone();
    });

    public static JsonElement Get(params string[] path)
    {
        JsonElement e = Root.Value;
        foreach (string p in path) e = e.GetProperty(p);
        return e;
    }

    public static string[] Strings(params string[] path) => Get(path).EnumerateArray().Select(e => e.GetString()!).ToArray();

    /// <summary>A new tensor from a {"dtype", "shape", "data"} entry.</summary>
    public static Tensor Tensor(JsonElement e)
    {
        long[] shape = e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64()).ToArray();
        JsonElement data = e.GetProperty("data");
        return e.GetProperty("dtype").GetString() switch
        {
            "float32" => Torch.Tensor.FromArray(data.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray(), shape),
            "int64" => Torch.Tensor.FromArray(data.EnumerateArray().Select(v => v.GetInt64()).ToArray(), shape),
            var other => throw new NotSupportedException($"fixture dtype {other}"),
        };
    }

    public static Tensor Tensor(params string[] path) => Tensor(Get(path));

    /// <summary>name → tensor for every entry of a JSON object of tensors.</summary>
    public static Dictionary<string, Tensor> Tensors(params string[] path) =>
        Get(path).EnumerateObject().ToDictionary(p => p.Name, p => Tensor(p.Value));

    /// <summary>Asserts same shape and |actual − expected| ≤ atol + rtol·|expected| elementwise.</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double rtol, double atol, string what)
    {
        Assert.True(expected.Shape.SequenceEqual(actual.Shape),
            $"{what}: shape [{string.Join(", ", actual.Shape)}], expected [{string.Join(", ", expected.Shape)}]");
        using Tensor e64 = expected.To(DType.Float64);
        using Tensor a64 = actual.Detach().To(DType.Float64);
        double[] e = e64.ToArray<double>(), a = a64.ToArray<double>();
        for (int k = 0; k < e.Length; k++)
        {
            double tol = atol + rtol * Math.Abs(e[k]);
            Assert.True(Math.Abs(a[k] - e[k]) <= tol, $"{what}[{k}]: got {a[k]:R}, expected {e[k]:R} (tolerance {tol:G3})");
        }
    }
}
