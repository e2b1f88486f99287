namespace Torch.Tests;

public class SumOverloadTests
{
    // PyTorch: torch.tensor([[1., 2.], [3., 4.]]).sum(0) == [4., 6.] and .sum(1) == [3., 7.], float32.
    [Fact]
    public void SumWithAnIntLiteralReducesThatDimension()
    {
        using var scope = torch.NewDisposeScope();
        var t = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2);
        var s0 = t.Sum(0);
        Assert.Equal(DType.Float32, s0.DType);
        Assert.Equal(new float[] { 4, 6 }, s0.ToArray<float>());
        Assert.Equal(new float[] { 3, 7 }, t.Sum(1).ToArray<float>());
    }
}
