namespace Torch.NN;

/// <summary><c>nn.Dropout</c>: zeroes elements with probability p and scales the rest by 1/(1-p) while training; identity in eval mode.</summary>
public sealed class Dropout : Module<Tensor, Tensor>
{
    public Dropout(double p = 0.5)
    {
        if (p is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(p), $"dropout probability must be in [0, 1], got {p}");
        P = p;
    }

    public double P { get; }

    public override Tensor Forward(Tensor input) => F.Dropout(input, P, IsTraining);
}
