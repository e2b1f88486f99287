namespace Torch.NN;

/// <summary>A (height, width) pair for kernel sizes, strides, paddings and dilations; a single number means both.</summary>
public readonly record struct Size2(long H, long W)
{
    public static implicit operator Size2(long v) => new(v, v);
    public static implicit operator Size2(int v) => new(v, v);
    public static implicit operator Size2((long H, long W) v) => new(v.H, v.W);

    public long[] ToArray() => [H, W];

    public override string ToString() => $"({H}, {W})";
}
