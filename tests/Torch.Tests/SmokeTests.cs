using Torch;

namespace Torch.Tests;

public class SmokeTests
{
    [Fact]
    public void AddsAndBackprops()
    {
        using var scope = torch.NewDisposeScope();
        var a = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2).RequiresGrad_();
        var b = a * a + 1.0;
        Assert.Equal(new float[] { 2, 5, 10, 17 }, b.ToArray<float>());
        b.Sum().Backward();
        Assert.Equal(new float[] { 2, 4, 6, 8 }, a.Grad!.ToArray<float>());
        var (v, i) = b.Max(1);
        Assert.Equal(new long[] { 1, 1 }, i.ToArray<long>());
        var parts = b.Chunk(2, 0);
        Assert.Equal(2, parts.Length);
        Assert.Equal(new float[] { 10, 17 }, b[1].ToArray<float>());
        Assert.Equal(new float[] { 5, 17 }, b[.., 1].ToArray<float>());
        Assert.Equal(new float[] { 17 }, b[b.Gt(12.0)].ToArray<float>());
        var ex = Assert.Throws<TorchException>(() => a.Matmul(torch.Zeros([3, 3])));
        Assert.Contains("aten::matmul", ex.Message);
    }
}
