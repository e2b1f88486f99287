namespace Torch.NN;

/// <summary><c>nn.Linear</c>: y = x·Wᵀ + b, weight [out, in], bias [out].</summary>
public sealed class Linear : Module<Tensor, Tensor>
{
    public Linear(long inFeatures, long outFeatures, bool bias = true, DType dtype = DType.Float32, Device? device = null,
        Generator? generator = null)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", torch.Empty([outFeatures, inFeatures], dtype, device));
        Bias = RegisterParameter("bias", bias ? torch.Empty([outFeatures], dtype, device) : null);
        ResetParameters(generator);
    }

    public long InFeatures { get; }
    public long OutFeatures { get; }
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    /// <summary>Added to the output when set (see <see cref="IParallelBranch"/>); null for the plain layer.</summary>
    public IParallelBranch? Branch { get; set; }

    /// <summary>PyTorch's default: kaiming_uniform(a=√5) for the weight, U(±1/√fan_in) for the bias.</summary>
    public void ResetParameters(Generator? generator = null) => Init.LinearOrConvDefault_(Weight, Bias, generator);

    public override Tensor Forward(Tensor input)
    {
        Tensor output = F.Linear(input, Weight, Bias);
        return Branch is { } branch ? ParallelBranch.AddTo(output, branch, input) : output;
    }
}
