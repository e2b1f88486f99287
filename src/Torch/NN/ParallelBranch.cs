namespace Torch.NN;

/// <summary>
/// A computation run beside a layer on the layer's own input, its result added to the layer's output:
/// <c>layer(x) + branch(x)</c>. This is how low-rank adapters attach to a <see cref="Linear"/> or <see cref="Conv2d"/>
/// without replacing the layer, so the model's module tree and state-dict keys stay as they are. The branch returns a new
/// tensor the layer owns (and frees once added).
/// </summary>
public interface IParallelBranch
{
    Tensor Forward(Tensor input);
}

internal static class ParallelBranch
{
    /// <summary><paramref name="output"/> + branch(<paramref name="input"/>); consumes <paramref name="output"/>.</summary>
    public static Tensor AddTo(Tensor output, IParallelBranch branch, Tensor input)
    {
        using (output)
        using (Tensor delta = branch.Forward(input))
            return output + delta;
    }
}
