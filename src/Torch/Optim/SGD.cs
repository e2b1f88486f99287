namespace Torch.Optim;

/// <summary>
/// <c>torch.optim.SGD</c> with momentum, dampening, Nesterov momentum and L2 weight decay; the same arithmetic as
/// PyTorch 1.13's single-tensor implementation. State: <c>momentum_buffer</c>.
/// </summary>
public sealed class SGD : Optimizer
{
    public SGD(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0,
        bool nesterov = false, bool maximize = false)
        : this(SingleGroup(parameters), lr, momentum, dampening, weightDecay, nesterov, maximize)
    {
    }

    public SGD(IEnumerable<ParamGroup> groups, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0,
        bool nesterov = false, bool maximize = false)
        : base(groups, lr, weightDecay)
    {
        if (momentum < 0) throw new ArgumentOutOfRangeException(nameof(momentum), $"invalid momentum {momentum}");
        if (nesterov && (momentum <= 0 || dampening != 0)) throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening");
        Momentum = momentum;
        Dampening = dampening;
        Nesterov = nesterov;
        Maximize = maximize;
    }

    public double Momentum { get; }
    public double Dampening { get; }
    public bool Nesterov { get; }
    public bool Maximize { get; }

    protected override void Update(Tensor param, Tensor grad, ParamGroup group, Dictionary<string, Tensor> state)
    {
        Tensor dp = Maximize ? grad.Neg() : grad;
        if (group.WeightDecay != 0) dp = dp.Add(param, group.WeightDecay);
        if (Momentum != 0)
        {
            if (state.TryGetValue("momentum_buffer", out Tensor? buf))
                buf.Mul_(Momentum).Add_(dp, 1 - Dampening);
            else
                state["momentum_buffer"] = buf = Own(dp.Clone());
            dp = Nesterov ? dp.Add(buf, Momentum) : buf;
        }
        param.Add_(dp, -group.LearningRate);
    }
}
