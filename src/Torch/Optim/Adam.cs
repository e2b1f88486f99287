namespace Torch.Optim;

/// <summary>
/// <c>torch.optim.Adam</c> (L2 weight decay added to the gradient, optional AMSGrad); the same arithmetic as PyTorch
/// 1.13's single-tensor implementation. State: <c>step</c> (float32 scalar on CPU), <c>exp_avg</c>, <c>exp_avg_sq</c>
/// and, with AMSGrad, <c>max_exp_avg_sq</c>.
/// </summary>
public class Adam : Optimizer
{
    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : this(SingleGroup(parameters), lr, beta1, beta2, eps, weightDecay, amsgrad, maximize)
    {
    }

    public Adam(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : this(groups, lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupledWeightDecay: false)
    {
    }

    protected Adam(IEnumerable<ParamGroup> groups, double lr, double beta1, double beta2, double eps, double weightDecay,
        bool amsgrad, bool maximize, bool decoupledWeightDecay)
        : base(groups, lr, weightDecay)
    {
        if (eps < 0) throw new ArgumentOutOfRangeException(nameof(eps), $"invalid epsilon {eps}");
        if (beta1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), $"invalid beta1 {beta1}");
        if (beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), $"invalid beta2 {beta2}");
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        AmsGrad = amsgrad;
        Maximize = maximize;
        DecoupledWeightDecay = decoupledWeightDecay;
    }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }
    public bool AmsGrad { get; }
    public bool Maximize { get; }

    /// <summary>AdamW: decay the parameter itself (p ← p·(1 − lr·wd)) instead of adding wd·p to the gradient.</summary>
    public bool DecoupledWeightDecay { get; }

    protected override void Update(Tensor param, Tensor grad, ParamGroup group, Dictionary<string, Tensor> state)
    {
        if (!state.ContainsKey("step"))
        {
            state["step"] = Own(torch.Scalar(0, DType.Float32));
            state["exp_avg"] = Own(torch.ZerosLike(param));
            state["exp_avg_sq"] = Own(torch.ZerosLike(param));
            if (AmsGrad) state["max_exp_avg_sq"] = Own(torch.ZerosLike(param));
        }
        Tensor stepT = state["step"], expAvg = state["exp_avg"], expAvgSq = state["exp_avg_sq"];
        double lr = group.LearningRate, wd = group.WeightDecay;

        Tensor g = Maximize ? grad.Neg() : grad;
        stepT.Add_(1);
        if (DecoupledWeightDecay) param.Mul_(1 - lr * wd);
        else if (wd != 0) g = g.Add(param, wd);

        expAvg.Mul_(Beta1).Add_(g, 1 - Beta1);
        expAvgSq.Mul_(Beta2).Addcmul_(g, g, 1 - Beta2);

        double step = stepT.ToDouble();
        double biasCorrection1 = 1 - Math.Pow(Beta1, step);
        double biasCorrection2 = 1 - Math.Pow(Beta2, step);
        double stepSize = lr / biasCorrection1;
        double biasCorrection2Sqrt = Math.Sqrt(biasCorrection2);

        Tensor second = expAvgSq;
        if (AmsGrad)
        {
            Tensor max = state["max_exp_avg_sq"];
            max.Copy_(max.Maximum(expAvgSq));
            second = max;
        }
        Tensor denom = second.Sqrt().Div(biasCorrection2Sqrt).Add_(Eps);
        param.Addcdiv_(expAvg, denom, -stepSize);
    }
}
