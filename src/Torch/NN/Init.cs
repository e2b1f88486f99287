namespace Torch.NN;

/// <summary>
/// <c>torch.nn.init</c>: in-place initialisers, run under no-grad. With the same generator state they draw the
/// same numbers as PyTorch (a null generator uses the global one, seeded by <see cref="torch.ManualSeed"/>).
/// </summary>
public static class Init
{
    public static (long FanIn, long FanOut) CalculateFanInAndFanOut(Tensor tensor)
    {
        long[] shape = tensor.Shape;
        if (shape.Length < 2) throw new ArgumentException("fan in and fan out need a tensor with at least 2 dimensions", nameof(tensor));
        long receptive = 1;
        for (int k = 2; k < shape.Length; k++) receptive *= shape[k];
        return (shape[1] * receptive, shape[0] * receptive);
    }

    /// <summary><c>calculate_gain</c> for linear/conv/sigmoid, tanh, relu, leaky_relu (param = negative slope, default 0.01) and selu.</summary>
    public static double CalculateGain(string nonlinearity, double? param = null) => nonlinearity switch
    {
        "linear" or "conv1d" or "conv2d" or "conv3d" or "conv_transpose1d" or "conv_transpose2d" or "conv_transpose3d" or "sigmoid" => 1,
        "tanh" => 5.0 / 3,
        "relu" => Math.Sqrt(2.0),
        "leaky_relu" => Math.Sqrt(2.0 / (1 + Math.Pow(param ?? 0.01, 2))),
        "selu" => 3.0 / 4,
        _ => throw new ArgumentException($"unsupported nonlinearity '{nonlinearity}'", nameof(nonlinearity)),
    };

    public static Tensor Uniform_(Tensor tensor, double a = 0, double b = 1, Generator? generator = null)
    {
        using GradMode _ = Autograd.NoGrad();
        return tensor.Uniform_(a, b, generator);
    }

    public static Tensor Normal_(Tensor tensor, double mean = 0, double std = 1, Generator? generator = null)
    {
        using GradMode _ = Autograd.NoGrad();
        return tensor.Normal_(mean, std, generator);
    }

    public static Tensor Constant_(Tensor tensor, double value)
    {
        using GradMode _ = Autograd.NoGrad();
        return tensor.Fill_(value);
    }

    public static Tensor Zeros_(Tensor tensor) => Constant_(tensor, 0);
    public static Tensor Ones_(Tensor tensor) => Constant_(tensor, 1);

    /// <summary><c>kaiming_uniform_(tensor, a, mode="fan_in"|"fan_out", nonlinearity)</c>.</summary>
    /// <summary>
    /// <c>reset_parameters</c> of <c>nn.Linear</c> and <c>nn._ConvNd</c>: kaiming_uniform(a=√5) for the weight,
    /// U(±1/√fan_in) for the bias.
    /// </summary>
    public static void LinearOrConvDefault_(Tensor weight, Tensor? bias, Generator? generator = null)
    {
        KaimingUniform_(weight, a: Math.Sqrt(5), generator: generator);
        if (bias is null) return;
        long fanIn = CalculateFanInAndFanOut(weight).FanIn;
        double bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
        Uniform_(bias, -bound, bound, generator);
    }

    public static Tensor KaimingUniform_(Tensor tensor, double a = 0, string mode = "fan_in", string nonlinearity = "leaky_relu",
        Generator? generator = null)
    {
        if (tensor.NumEl == 0) return tensor;
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        long fan = mode switch
        {
            "fan_in" => fanIn,
            "fan_out" => fanOut,
            _ => throw new ArgumentException($"mode must be fan_in or fan_out, not '{mode}'", nameof(mode)),
        };
        // Same arithmetic as PyTorch, so the bound is the same double.
        double std = CalculateGain(nonlinearity, a) / Math.Sqrt(fan);
        double bound = Math.Sqrt(3.0) * std;
        return Uniform_(tensor, -bound, bound, generator);
    }

    public static Tensor XavierUniform_(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        double std = gain * Math.Sqrt(2.0 / (fanIn + fanOut));
        double a = Math.Sqrt(3.0) * std;
        return Uniform_(tensor, -a, a, generator);
    }

    public static Tensor XavierNormal_(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        double std = gain * Math.Sqrt(2.0 / (fanIn + fanOut));
        return Normal_(tensor, 0, std, generator);
    }
}
