namespace Torch.Tests.Ops;

public static partial class OpCases
{
    private static Tensor[] Pair((Tensor A, Tensor B) p) => R(p.A, p.B);

    private static Dictionary<string, Case> Reductions() => new()
    {
        ["sum_all"] = x => R(x[0].Sum()),
        ["sum_dims"] = x => R(x[0].Sum([0, 2])),
        ["sum_keepdim"] = x => R(x[0].Sum(1, keepDim: true)),
        ["mean_all"] = x => R(x[0].Mean()),
        ["mean_dims_keepdim"] = x => R(x[0].Mean([1], keepDim: true)),
        ["mean_neg_dims"] = x => R(x[0].Mean([-1, -2])),
        ["max_all"] = x => R(x[0].Max()),
        ["max_dim"] = x => Pair(x[0].Max(1)),
        ["max_dim_keepdim"] = x => Pair(x[0].Max(-1, keepDim: true)),
        ["min_dim"] = x => Pair(x[0].Min(0)),
        ["amax"] = x => R(x[0].Amax([1, 2])),
        ["amax_keepdim"] = x => R(x[0].Amax([0], keepDim: true)),
        ["argmax_all"] = x => R(x[0].Argmax()),
        ["argmax_dim"] = x => R(x[0].Argmax(2, keepDim: true)),
        ["norm_all"] = x => R(x[0].Norm()),
        ["norm_p1_dim"] = x => R(x[0].Norm(1, [1])),
        ["norm_dim_keepdim"] = x => R(x[0].Norm(2, [-1], keepDim: true)),
        ["var_all"] = x => R(x[0].Var()),
        ["var_dim_c0"] = x => R(x[0].Var([1], correction: 0, keepDim: true)),
        ["std_dims"] = x => R(x[0].Std([0, 2])),
        ["std_all"] = x => R(x[0].Std()),
        ["logsumexp"] = x => R(x[0].LogSumExp(1)),
        ["logsumexp_keepdim"] = x => R(x[0].LogSumExp(-1, keepDim: true)),
        ["cumsum"] = x => R(x[0].Cumsum(1)),
        ["cumprod"] = x => R(x[0].Cumprod(2)),
    };

    private static Dictionary<string, Case> Elementwise() => new()
    {
        ["clamp"] = x => R(x[0].Clamp(-0.5, 0.7)),
        ["clamp_min"] = x => R(x[0].ClampMin(0.1)),
        ["clamp_max"] = x => R(x[0].Clamp(max: -0.2)),
        ["where"] = x => R(torch.Where(x[0], x[1], x[2])),
        ["where_scalar"] = x => R(torch.Where(x[0], x[1], -1.5)),
        ["masked_fill"] = x => R(x[0].MaskedFill(x[1], -3.0)),
        ["pow_2"] = x => R(x[0].Pow(2)),
        ["pow_frac"] = x => R(x[0].Pow(0.37)),
        ["pow_tensor"] = x => R(x[0].Pow(x[1])),
        ["exp"] = x => R(x[0].Exp()),
        ["log"] = x => R(x[0].Log()),
        ["sqrt"] = x => R(x[0].Sqrt()),
        ["rsqrt"] = x => R(x[0].Rsqrt()),
        ["abs_neg"] = x => R(x[0].Abs(), -x[0]),
        ["reciprocal"] = x => R(x[0].Reciprocal()),
        ["erf_sin_cos"] = x => R(x[0].Erf(), x[0].Sin(), x[0].Cos()),
        ["floor_round_sign"] = x => R(x[0].Floor(), x[0].Round(), x[0].Sign()),
        ["square"] = x => R(x[0].Square()),
        ["add_alpha"] = x => R(x[0].Add(x[1], alpha: 0.3)),
        ["sub_alpha"] = x => R(x[0].Sub(x[1], alpha: 2.5)),
        ["mul_div"] = x => R(x[0] * x[1], x[0] / x[1]),
        ["scalar_ops"] = x => R(x[0] + 2.5, x[0] - 1.25, 1 - x[0], x[0] * 3, x[0] / 4, 2 / x[0]),
        ["maximum_minimum"] = x => R(x[0].Maximum(x[1]), x[0].Minimum(x[1])),
        ["lerp"] = x => R(x[0].Lerp(x[1], 0.3), x[0].Lerp(x[1], x[2])),
        ["compare"] = x => R(x[0].Eq(x[1]), x[0].Gt(x[1]), x[0].Lt(0.2), x[0].Ge(x[1]), x[0].Le(-0.1), x[0].Ne(x[0])),
        ["logic"] = x => R(x[0].LogicalNot(), x[0].All(), x[0].Any()),
    };

    private static Dictionary<string, Case> Losses() => new()
    {
        ["mse_loss"] = x => R(F.MseLoss(x[0], x[1])),
        ["mse_loss_sum"] = x => R(F.MseLoss(x[0], x[1], F.Reduction.Sum)),
        ["mse_loss_none"] = x => R(F.MseLoss(x[0], x[1], F.Reduction.None)),
        ["cross_entropy"] = x => R(F.CrossEntropy(x[0], x[1])),
        ["cross_entropy_sum"] = x => R(F.CrossEntropy(x[0], x[1], F.Reduction.Sum)),
        ["cross_entropy_smooth"] = x => R(F.CrossEntropy(x[0], x[1], labelSmoothing: 0.1)),
        ["cosine_similarity"] = x => R(F.CosineSimilarity(x[0], x[1], 1)),
        ["cosine_similarity_last"] = x => R(F.CosineSimilarity(x[0], x[1], -1)),
        ["normalize"] = x => R(F.Normalize(x[0], dim: 1)),
        ["normalize_p1"] = x => R(F.Normalize(x[0], p: 1, dim: -1)),
        ["embedding"] = x => R(F.Embedding(x[0], x[1])),
        ["one_hot"] = x => R(F.OneHot(x[0], 5)),
    };

    private static readonly Op ViewDType = new("aten::view", "dtype");

    private static Dictionary<string, Case> DTypes() => new()
    {
        ["to_f16"] = x => R(ViewDType.Call(x[0].To(DType.Float16), DType.Int16)),
        ["to_bf16"] = x => R(ViewDType.Call(x[0].To(DType.BFloat16), DType.Int16)),
        ["to_f64"] = x => R(x[0].To(DType.Float64)),
        ["to_i64"] = x => R(x[0].Long()),
        ["from_f16"] = x => R(x[0].Float()),
        ["from_bf16"] = x => R(x[0].Float()),
        ["from_i64"] = x => R(x[0].Float()),
        ["f64_ops"] = x => R(F.Softmax(x[0], -1), x[0].Exp(), F.Silu(x[0]), x[0].Sum(1)),
    };
}
