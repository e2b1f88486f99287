using Torch;

namespace Align.Models;

/// <summary>The activation functions configs name (<c>hidden_act</c>, <c>act_fn</c>), as transformers' ACT2FN / diffusers' get_activation.</summary>
public static class Activations
{
    public static Func<Tensor, Tensor> Get(string name, string configPath) => name switch
    {
        "quick_gelu" => F.QuickGelu,
        "gelu" => x => F.Gelu(x),
        "gelu_new" or "gelu_pytorch_tanh" => x => F.Gelu(x, "tanh"),
        "relu" => F.Relu,
        "silu" or "swish" => F.Silu,
        _ => throw new ModelLoadException($"{configPath}: unsupported activation '{name}' (supported: quick_gelu, gelu, gelu_new, relu, silu)"),
    };
}
