namespace Torch.Tests.Support;

/// <summary>Tensor comparisons: exact for integer and bool tensors, |a-e| ≤ atol + rtol·|e| for floating point.</summary>
public static class Expect
{
    public static void Close(Tensor expected, Tensor actual, double rtol = 1e-5, double atol = 1e-5, string what = "")
    {
        string label = what.Length == 0 ? "" : what + ": ";
        Assert.True(expected.Shape.SequenceEqual(actual.Shape),
            $"{label}shape [{string.Join(", ", actual.Shape)}], expected [{string.Join(", ", expected.Shape)}]");
        Assert.True(expected.DType == actual.DType, $"{label}dtype {actual.DType}, expected {expected.DType}");
        if (!expected.DType.IsFloatingPoint())
        {
            using Tensor e64 = expected.To(DType.Int64), a64 = actual.To(DType.Int64);
            long[] ev = e64.ToArray<long>(), av = a64.ToArray<long>();
            for (int k = 0; k < ev.Length; k++)
                Assert.True(ev[k] == av[k], $"{label}element {k}: {av[k]}, expected {ev[k]}");
            return;
        }
        using Tensor ef = expected.To(DType.Float64), af = actual.To(DType.Float64);
        double[] e = ef.ToArray<double>(), a = af.ToArray<double>();
        for (int k = 0; k < e.Length; k++)
        {
            if (double.IsNaN(e[k]) || double.IsInfinity(e[k]))
            {
                Assert.True(e[k].Equals(a[k]), $"{label}element {k}: {a[k]}, expected {e[k]}");
                continue;
            }
            double err = Math.Abs(a[k] - e[k]);
            Assert.True(err <= atol + rtol * Math.Abs(e[k]), $"{label}element {k}: {a[k]}, expected {e[k]} (error {err:g3})");
        }
    }

    public static void Equal(Tensor expected, Tensor actual, string what = "") => Close(expected, actual, 0, 0, what);
}
