using Torch.Tests.Support;

namespace Torch.Tests.Ops;

/// <summary>Each op case recomputed here and compared with PyTorch's result stored by Fixtures/gen_ops.py.</summary>
public class OpParityTests
{
    public static TheoryData<string> CaseNames => new(OpCases.All.Keys.Order());

    public static TheoryData<string> GradCaseNames =>
        new(OpCases.All.Keys.Where(n => FixtureFile.Ops.Contains($"{n}/d0")).Order());

    [Fact]
    public void FixtureAndCasesNameTheSameOps()
    {
        var inFixture = FixtureFile.Ops.Names.Where(n => !n.StartsWith("rng/")).Select(n => n[..n.LastIndexOf('/')]).ToHashSet();
        Assert.Equal(inFixture.Order(), OpCases.All.Keys.Order());
        Assert.True(inFixture.Count > 150, $"only {inFixture.Count} cases");
        Assert.Subset(inFixture, OpCases.Exact.ToHashSet());
        Assert.True(OpCases.All.Keys.Count(n => FixtureFile.Ops.Contains($"{n}/d0")) >= 8);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesPyTorch(string name)
    {
        using var scope = torch.NewDisposeScope();
        Tensor[] inputs = FixtureFile.Ops.GetSeries(name, 'i');
        Tensor[] expected = FixtureFile.Ops.GetSeries(name, 'o');
        Tensor[] actual = OpCases.All[name](inputs);
        Assert.Equal(expected.Length, actual.Length);
        double tolerance = OpCases.Exact.Contains(name) ? 0 : 1e-5;
        for (int k = 0; k < expected.Length; k++) Expect.Close(expected[k], actual[k], tolerance, tolerance, $"{name} output {k}");
    }

    /// <summary>Gradients of Σ out_k·g_k with respect to the float inputs, against torch.autograd.grad.</summary>
    [Theory]
    [MemberData(nameof(GradCaseNames))]
    public void GradientsMatchPyTorch(string name)
    {
        using var scope = torch.NewDisposeScope();
        Tensor[] inputs = FixtureFile.Ops.GetSeries(name, 'i');
        Tensor[] gradOutputs = FixtureFile.Ops.GetSeries(name, 'g');
        Tensor[] expected = FixtureFile.Ops.GetSeries(name, 'd');
        Tensor[] diff = inputs.Where(t => t.DType.IsFloatingPoint()).ToArray();
        foreach (Tensor t in diff) t.RequiresGrad = true;
        Tensor[] outputs = OpCases.All[name](inputs);
        Tensor?[] grads = Torch.Autograd.Grad(outputs, diff, gradOutputs);
        Assert.Equal(expected.Length, grads.Length);
        for (int k = 0; k < expected.Length; k++)
        {
            Assert.NotNull(grads[k]);
            Expect.Close(expected[k], grads[k]!, 1e-5, 1e-5, $"{name} gradient {k}");
        }
    }
}
