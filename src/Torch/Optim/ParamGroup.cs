namespace Torch.Optim;

/// <summary>
/// A set of parameters with its own learning rate and weight decay (PyTorch's <c>param_groups</c> entry).
/// Values left null take the optimizer's defaults.
/// </summary>
public sealed class ParamGroup
{
    private double? _learningRate;
    private double? _weightDecay;

    public ParamGroup(IEnumerable<Tensor> parameters, double? learningRate = null, double? weightDecay = null)
    {
        Parameters = parameters.ToArray();
        _learningRate = learningRate;
        _weightDecay = weightDecay;
    }

    public IReadOnlyList<Tensor> Parameters { get; }

    public double LearningRate
    {
        get => _learningRate ?? throw new InvalidOperationException("the group is not attached to an optimizer yet");
        set => _learningRate = value;
    }

    public double WeightDecay
    {
        get => _weightDecay ?? throw new InvalidOperationException("the group is not attached to an optimizer yet");
        set => _weightDecay = value;
    }

    internal void ApplyDefaults(double learningRate, double weightDecay)
    {
        _learningRate ??= learningRate;
        _weightDecay ??= weightDecay;
    }
}
