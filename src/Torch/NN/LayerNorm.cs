namespace Torch.NN;

/// <summary><c>nn.LayerNorm</c> over the trailing <c>normalizedShape</c> dimensions; weight ones, bias zeros.</summary>
public sealed class LayerNorm : Module<Tensor, Tensor>
{
    public LayerNorm(long[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, bool bias = true,
        DType dtype = DType.Float32, Device? device = null)
    {
        NormalizedShape = (long[])normalizedShape.Clone();
        Eps = eps;
        Weight = RegisterParameter("weight", elementwiseAffine ? torch.Ones(NormalizedShape, dtype, device) : null);
        Bias = RegisterParameter("bias", elementwiseAffine && bias ? torch.Zeros(NormalizedShape, dtype, device) : null);
    }

    public LayerNorm(long normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, bool bias = true,
        DType dtype = DType.Float32, Device? device = null)
        : this([normalizedShape], eps, elementwiseAffine, bias, dtype, device)
    {
    }

    public long[] NormalizedShape { get; }
    public double Eps { get; }
    public Tensor? Weight { get; }
    public Tensor? Bias { get; }

    public override Tensor Forward(Tensor input) => F.LayerNorm(input, NormalizedShape, Weight, Bias, Eps);
}
