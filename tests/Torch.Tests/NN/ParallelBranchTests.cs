using Torch.NN;
using Torch.Tests.Support;

namespace Torch.Tests.NN;

/// <summary>A branch on a Linear or Conv2d adds its result to the layer's output, gradients flow into it, and no branch is the plain layer.</summary>
public class ParallelBranchTests
{
    private sealed class ScaledCopy(Func<Tensor, Tensor> f) : IParallelBranch
    {
        public int Calls { get; private set; }

        public Tensor Forward(Tensor input)
        {
            Calls++;
            return f(input);
        }
    }

    [Fact]
    public void LinearAddsTheBranchAndBackpropagatesThroughIt()
    {
        using var scope = torch.NewDisposeScope();
        using var g = new Generator(3);
        using var layer = new Linear(4, 3, generator: g);
        Tensor x = torch.Randn([2, 4], g);
        Tensor plain = layer.Forward(x);
        Tensor extra = torch.Randn([4, 3], g).RequiresGrad_();
        var branch = new ScaledCopy(input => input.Matmul(extra));
        layer.Branch = branch;

        Tensor withBranch = layer.Forward(x);
        Expect.Close(plain + x.Matmul(extra), withBranch, what: "linear + branch");
        withBranch.Sum().Backward();
        Assert.Equal(1, branch.Calls);
        Assert.NotNull(extra.Grad);
        Assert.NotNull(layer.Weight.Grad);

        layer.Branch = null;
        Expect.Equal(plain, layer.Forward(x), "branch removed");
        Assert.Equal(["weight", "bias"], layer.StateDict().Keys);
    }

    [Fact]
    public void Conv2dAddsTheBranch()
    {
        using var scope = torch.NewDisposeScope();
        using var g = new Generator(4);
        using var layer = new Conv2d(2, 3, 3, padding: 1, generator: g);
        Tensor x = torch.Randn([1, 2, 5, 5], g);
        Tensor plain = layer.Forward(x);
        layer.Branch = new ScaledCopy(input => F.Conv2d(input, layer.Weight, padding: 1) * 0.5);
        Tensor expected = plain + F.Conv2d(x, layer.Weight, padding: 1) * 0.5;
        Expect.Close(expected, layer.Forward(x), what: "conv + branch");
    }
}
