namespace Torch.NN;

/// <summary><c>nn.GroupNorm</c>: per-channel affine weight (ones) and bias (zeros) of shape [C].</summary>
public sealed class GroupNorm : Module<Tensor, Tensor>
{
    public GroupNorm(long numGroups, long numChannels, double eps = 1e-5, bool affine = true, DType dtype = DType.Float32,
        Device? device = null)
    {
        if (numGroups <= 0 || numChannels % numGroups != 0)
            throw new ArgumentException($"num_channels ({numChannels}) must be divisible by num_groups ({numGroups})");
        NumGroups = numGroups;
        NumChannels = numChannels;
        Eps = eps;
        Weight = RegisterParameter("weight", affine ? torch.Ones([numChannels], dtype, device) : null);
        Bias = RegisterParameter("bias", affine ? torch.Zeros([numChannels], dtype, device) : null);
    }

    public long NumGroups { get; }
    public long NumChannels { get; }
    public double Eps { get; }
    public Tensor? Weight { get; }
    public Tensor? Bias { get; }

    public override Tensor Forward(Tensor input) => F.GroupNorm(input, NumGroups, Weight, Bias, Eps);
}
