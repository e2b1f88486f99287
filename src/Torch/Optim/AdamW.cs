namespace Torch.Optim;

/// <summary>
/// <c>torch.optim.AdamW</c>: Adam with decoupled weight decay (default 1e-2); the same arithmetic as PyTorch 1.13's
/// single-tensor implementation.
/// </summary>
public sealed class AdamW : Adam
{
    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : this(SingleGroup(parameters), lr, beta1, beta2, eps, weightDecay, amsgrad, maximize)
    {
    }

    public AdamW(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : base(groups, lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupledWeightDecay: true)
    {
    }
}
