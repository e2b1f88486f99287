namespace Torch.Tests.AutogradChecks;

/// <summary>
/// Compares libtorch's analytic gradients with central finite differences in float64, for the scalar
/// Σ f(inputs)·w with a fixed random w (so every output element contributes with its own weight).
/// </summary>
public static class GradCheck
{
    public static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs) => Check(f, 1e-6, 1e-5, 1e-6, inputs);

    public static void Check(Func<Tensor[], Tensor> f, double eps, double rtol, double atol, params Tensor[] inputs)
    {
        using var scope = torch.NewDisposeScope();
        foreach (Tensor t in inputs) Assert.Equal(DType.Float64, t.DType);
        Tensor[] leaves = inputs.Select(t => t.Detach().Clone().RequiresGrad_()).ToArray();
        Tensor output = f(leaves);
        using var generator = new Generator(1234);
        Tensor weight = torch.Randn(output.Shape, generator, DType.Float64);
        Tensor loss = (output * weight).Sum();
        Tensor?[] analytic = Torch.Autograd.Grad([loss], leaves);

        using var noGrad = Torch.Autograd.NoGrad();
        for (int i = 0; i < inputs.Length; i++)
        {
            Assert.NotNull(analytic[i]);
            double[] expected = analytic[i]!.ToArray<double>();
            Assert.True(expected.Any(v => v != 0), $"input {i}: gradient is all zero, the check would prove nothing");
            double[] data = inputs[i].ToArray<double>();
            long[] shape = inputs[i].Shape;
            for (int j = 0; j < data.Length; j++)
            {
                double saved = data[j];
                data[j] = saved + eps;
                double plus = Evaluate(f, inputs, i, data, shape, weight);
                data[j] = saved - eps;
                double minus = Evaluate(f, inputs, i, data, shape, weight);
                data[j] = saved;
                double numeric = (plus - minus) / (2 * eps);
                double err = Math.Abs(numeric - expected[j]);
                Assert.True(err <= atol + rtol * Math.Abs(numeric),
                    $"input {i} element {j}: analytic {expected[j]}, numeric {numeric} (error {err:g3})");
            }
        }
    }

    private static double Evaluate(Func<Tensor[], Tensor> f, Tensor[] inputs, int replaced, double[] data, long[] shape, Tensor weight)
    {
        using var scope = torch.NewDisposeScope();
        Tensor[] args = (Tensor[])inputs.Clone();
        args[replaced] = Tensor.FromArray(data, shape);
        return (f(args) * weight).Sum().ToDouble();
    }
}
