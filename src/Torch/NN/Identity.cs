namespace Torch.NN;

/// <summary><c>nn.Identity</c>. Returns a new handle on the input (same storage and graph), so the caller may dispose it independently.</summary>
public sealed class Identity : Module<Tensor, Tensor>
{
    private static readonly Op Alias = new("aten::alias");

    public override Tensor Forward(Tensor input) => Alias.Call(input);
}
