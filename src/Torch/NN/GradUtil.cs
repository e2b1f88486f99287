namespace Torch.NN;

internal static class GradUtil
{
    /// <summary><c>zero_grad</c> of modules and optimizers: grads to null, or detached and zeroed in place.</summary>
    public static void ZeroGrad(IEnumerable<Tensor> parameters, bool setToNone)
    {
        using GradMode _ = Autograd.NoGrad();
        foreach (Tensor p in parameters)
        {
            using Tensor? g = p.Grad;
            if (g is null) continue;
            if (setToNone)
            {
                p.Grad = null;
            }
            else if (g.GradFnName.Length > 0)
            {
                // A grad with history (from create_graph) is cut loose first, as PyTorch's grad.detach_() does.
                using Tensor detached = g.Detach();
                detached.Zero_();
                p.Grad = detached;
            }
            else
            {
                g.RequiresGrad = false;
                g.Zero_();
            }
        }
    }
}
