namespace Torch.NN;

/// <summary><c>nn.Conv2d</c> with zero padding: weight [out, in/groups, kh, kw], bias [out].</summary>
public sealed class Conv2d : Module<Tensor, Tensor>
{
    public Conv2d(long inChannels, long outChannels, Size2 kernelSize, Size2? stride = null, Size2? padding = null,
        Size2? dilation = null, long groups = 1, bool bias = true, DType dtype = DType.Float32, Device? device = null,
        Generator? generator = null)
    {
        if (groups <= 0) throw new ArgumentOutOfRangeException(nameof(groups), "groups must be positive");
        if (inChannels % groups != 0) throw new ArgumentException($"in_channels ({inChannels}) must be divisible by groups ({groups})");
        if (outChannels % groups != 0) throw new ArgumentException($"out_channels ({outChannels}) must be divisible by groups ({groups})");
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride ?? 1;
        Padding = padding ?? 0;
        Dilation = dilation ?? 1;
        Groups = groups;
        Weight = RegisterParameter("weight", torch.Empty([outChannels, inChannels / groups, kernelSize.H, kernelSize.W], dtype, device));
        Bias = RegisterParameter("bias", bias ? torch.Empty([outChannels], dtype, device) : null);
        ResetParameters(generator);
    }

    public long InChannels { get; }
    public long OutChannels { get; }
    public Size2 KernelSize { get; }
    public Size2 Stride { get; }
    public Size2 Padding { get; }
    public Size2 Dilation { get; }
    public long Groups { get; }
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    /// <summary>Added to the output when set (see <see cref="IParallelBranch"/>); null for the plain layer.</summary>
    public IParallelBranch? Branch { get; set; }

    /// <summary>PyTorch's default: kaiming_uniform(a=√5) for the weight, U(±1/√fan_in) for the bias.</summary>
    public void ResetParameters(Generator? generator = null) => Init.LinearOrConvDefault_(Weight, Bias, generator);

    public override Tensor Forward(Tensor input)
    {
        Tensor output = F.Conv2d(input, Weight, Bias, Stride.ToArray(), Padding.ToArray(), Dilation.ToArray(), Groups);
        return Branch is { } branch ? ParallelBranch.AddTo(output, branch, input) : output;
    }
}
