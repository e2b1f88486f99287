using System.Runtime.CompilerServices;

namespace Torch.Tests.AutogradChecks;

/// <summary>Activation checkpointing: same gradients as the plain graph, the function recomputed once per backward, its context released.</summary>
public class ActivationCheckpointTests
{
    private static Tensor R(ulong seed, params long[] shape)
    {
        using var g = new Generator(seed);
        return torch.Randn(shape, g, DType.Float64);
    }

    // A small two-layer block with a captured weight, as a UNet call captures its parameters.
    private static Tensor Block(Tensor x, Tensor scale, Tensor weight) => (x.Matmul(weight).Tanh() * scale + x.Sin()).Square();

    [Fact]
    public void GradientsMatchThePlainGraphForInputsAndCapturedParameters()
    {
        using var scope = torch.NewDisposeScope();
        Tensor weight = R(1, 4, 4).RequiresGrad_();
        Tensor x0 = R(2, 3, 4), s0 = R(3, 1, 4);

        Tensor x = x0.Clone().RequiresGrad_(), s = s0.Clone().RequiresGrad_();
        (Block(x, s, weight) * 0.5).Sum().Backward();
        double[] plainX = x.Grad!.ToArray<double>(), plainS = s.Grad!.ToArray<double>(), plainW = weight.Grad!.ToArray<double>();
        weight.Grad!.Zero_();

        Tensor cx = x0.Clone().RequiresGrad_(), cs = s0.Clone().RequiresGrad_();
        int calls = 0;
        Tensor[] outputs = ActivationCheckpoint.Run(a => { calls++; return [Block(a[0]!, a[1]!, weight)]; }, cx, cs);
        Assert.Equal(1, calls);
        Assert.True(outputs[0].RequiresGrad);
        (outputs[0] * 0.5).Sum().Backward();
        Assert.Equal(2, calls); // recomputed once, by the backward pass

        AssertClose(plainX, cx.Grad!.ToArray<double>());
        AssertClose(plainS, cs.Grad!.ToArray<double>());
        AssertClose(plainW, weight.Grad!.ToArray<double>());
    }

    [Fact]
    public void ChainedCheckpointsMatchFiniteDifferences() =>
        // Several checkpointed steps in a row, as a denoising loop: each backward recomputes one step.
        GradCheck.Check(a =>
        {
            Tensor h = a[0];
            for (int i = 0; i < 3; i++)
                h = ActivationCheckpoint.Run(b => [Block(b[0]!, b[1]!, b[2]!)], h, a[1], a[2])[0];
            return h;
        }, R(4, 2, 3), R(5, 1, 3), R(6, 3, 3) * 0.5);

    [Fact]
    public void ConstantInputsGetNoGradientAndNullInputsPassThrough()
    {
        using var scope = torch.NewDisposeScope();
        Tensor x = R(7, 2, 2).RequiresGrad_(), constant = R(8, 2, 2);
        Tensor[] outputs = ActivationCheckpoint.Run(a =>
        {
            Assert.Null(a[1]);
            Assert.False(a[2]!.RequiresGrad);
            return [a[0]! * a[2]!, a[0]!.Exp()];
        }, x, null, constant);
        Assert.Equal(2, outputs.Length);
        outputs[0].Sum().Backward();
        AssertClose(constant.ToArray<double>(), x.Grad!.ToArray<double>());
        Assert.Null(constant.Grad);
    }

    [Fact]
    public void WithoutGradModeNothingIsRecorded()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = Torch.Autograd.NoGrad();
        Tensor x = R(9, 3).RequiresGrad_();
        Tensor y = ActivationCheckpoint.Run(a => [a[0]! * 2], x)[0];
        Assert.False(y.RequiresGrad);
        AssertClose(x.ToArray<double>().Select(v => v * 2).ToArray(), y.ToArray<double>());
    }

    [Fact]
    public void AFailureDuringRecomputationSurfacesFromBackward()
    {
        using var scope = torch.NewDisposeScope();
        Tensor x = R(10, 3).RequiresGrad_();
        bool recomputing = false;
        Tensor y = ActivationCheckpoint.Run(a => recomputing ? throw new InvalidOperationException("recomputation broke") : [a[0]!.Exp()], x)[0];
        recomputing = true;
        var error = Assert.Throws<TorchException>(() => y.Sum().Backward());
        Assert.Contains("recomputation broke", error.Message);
    }

    [Fact]
    public void TheFunctionIsReleasedWithTheGraph()
    {
        WeakReference captured = RunAndDropGraph();
        for (int i = 0; i < 3 && captured.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.False(captured.IsAlive, "the checkpointed function (and what it captures) outlived its graph");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference RunAndDropGraph()
    {
        using var scope = torch.NewDisposeScope();
        var marker = new object();
        Tensor x = R(11, 3).RequiresGrad_();
        Tensor y = ActivationCheckpoint.Run(a => { GC.KeepAlive(marker); return [a[0]! * 3]; }, x)[0];
        Assert.True(y.RequiresGrad);
        return new WeakReference(marker); // the scope frees y and with it the graph that holds the function
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-10 + 1e-8 * Math.Abs(expected[i]), $"element {i}: {expected[i]} vs {actual[i]}");
    }
}
