namespace Torch.NN;

/// <summary><c>nn.SiLU</c>: x·σ(x).</summary>
public sealed class SiLU : Module<Tensor, Tensor>
{
    public override Tensor Forward(Tensor input) => F.Silu(input);
}

/// <summary><c>nn.GELU</c>; <c>approximate</c> is "none" (erf) or "tanh".</summary>
public sealed class GELU(string approximate = "none") : Module<Tensor, Tensor>
{
    public string Approximate { get; } = approximate is "none" or "tanh"
        ? approximate
        : throw new ArgumentException($"approximate must be 'none' or 'tanh', not '{approximate}'", nameof(approximate));

    public override Tensor Forward(Tensor input) => F.Gelu(input, Approximate);
}

/// <summary><c>nn.ReLU</c>.</summary>
public sealed class ReLU : Module<Tensor, Tensor>
{
    public override Tensor Forward(Tensor input) => F.Relu(input);
}
