namespace Torch.Tests.AutogradChecks;

/// <summary>Analytic gradients of the diffusion models' building blocks against finite differences (float64).</summary>
public class FiniteDifferenceTests
{
    private static Tensor R(ulong seed, params long[] shape)
    {
        using var g = new Generator(seed);
        return torch.Randn(shape, g, DType.Float64);
    }

    [Fact]
    public void Conv2d() =>
        GradCheck.Check(x => F.Conv2d(x[0], x[1], x[2], padding: 1), R(1, 1, 2, 5, 5), R(2, 3, 2, 3, 3), R(3, 3));

    [Fact]
    public void Conv2dStridePadding() =>
        GradCheck.Check(x => F.Conv2d(x[0], x[1], x[2], stride: 2, padding: 1), R(4, 2, 2, 6, 7), R(5, 3, 2, 3, 3), R(6, 3));

    [Fact]
    public void Conv2dGroups() =>
        GradCheck.Check(x => F.Conv2d(x[0], x[1], null, padding: 1, groups: 2), R(7, 1, 4, 4, 4), R(8, 4, 2, 3, 3));

    [Fact]
    public void ConvTranspose2d() =>
        GradCheck.Check(x => F.ConvTranspose2d(x[0], x[1], x[2], stride: 2, padding: 1), R(9, 1, 3, 3, 3), R(10, 3, 2, 4, 4), R(11, 2));

    [Fact]
    public void GroupNorm() =>
        GradCheck.Check(x => F.GroupNorm(x[0], 2, x[1], x[2]), R(12, 2, 4, 3, 3), R(13, 4), R(14, 4));

    [Fact]
    public void LayerNorm() =>
        GradCheck.Check(x => F.LayerNorm(x[0], [6], x[1], x[2]), R(15, 2, 3, 6), R(16, 6), R(17, 6));

    [Fact]
    public void Linear() =>
        GradCheck.Check(x => F.Linear(x[0], x[1], x[2]), R(18, 2, 3, 5), R(19, 4, 5), R(20, 4));

    [Fact]
    public void ScaledDotProductAttention() =>
        GradCheck.Check(x => F.ScaledDotProductAttention(x[0], x[1], x[2]), R(21, 1, 2, 3, 4), R(22, 1, 2, 5, 4), R(23, 1, 2, 5, 4));

    [Fact]
    public void ScaledDotProductAttentionWithMaskAndScale() =>
        GradCheck.Check(x => F.ScaledDotProductAttention(x[0], x[1], x[2], x[3], scale: 0.7),
            R(24, 2, 1, 3, 4), R(25, 2, 1, 4, 4), R(26, 2, 1, 4, 4), R(27, 3, 4));

    [Fact]
    public void InterpolateBilinear() =>
        GradCheck.Check(x => F.Interpolate(x[0], size: [7, 5], mode: "bilinear"), R(28, 1, 2, 4, 3));

    [Fact]
    public void InterpolateBilinearByScale() =>
        GradCheck.Check(x => F.Interpolate(x[0], scaleFactor: 1.5, mode: "bilinear"), R(29, 1, 2, 4, 4));

    [Fact]
    public void InterpolateBicubic() =>
        GradCheck.Check(x => F.Interpolate(x[0], size: [7, 6], mode: "bicubic"), R(30, 1, 2, 4, 4));

    [Fact]
    public void InterpolateBicubicAntialias() =>
        GradCheck.Check(x => F.Interpolate(x[0], size: [3, 2], mode: "bicubic", antialias: true), R(31, 1, 1, 7, 6));

    /// <summary>The shape of a diffusion ResNet block's head: conv → group_norm → silu → linear → mean.</summary>
    [Fact]
    public void Composite() =>
        GradCheck.Check(x =>
            {
                Tensor h = F.Conv2d(x[0], x[1], x[2], padding: 1);
                h = F.GroupNorm(h, 2, x[3], x[4]);
                h = F.Silu(h);
                h = F.Linear(h, x[5], x[6]);
                return h.Mean();
            },
            R(32, 2, 2, 4, 4), R(33, 4, 2, 3, 3), R(34, 4), R(35, 4), R(36, 4), R(37, 3, 4), R(38, 3));
}
