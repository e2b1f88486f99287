namespace Torch.Tests.Ops;

/// <summary>
/// The C# twin of every case in Fixtures/gen_ops.py, by name: each takes the stored inputs and returns
/// the outputs in the order PyTorch's function returned them.
/// </summary>
public static partial class OpCases
{
    public delegate Tensor[] Case(Tensor[] x);

    public static readonly IReadOnlyDictionary<string, Case> All = Build();

    private static Dictionary<string, Case> Build()
    {
        var all = new Dictionary<string, Case>(StringComparer.Ordinal);
        foreach (var part in new[] { Nn(), Shapes(), Indexing(), Reductions(), Elementwise(), Losses(), DTypes() })
            foreach (var (name, fn) in part) all.Add(name, fn);
        return all;
    }

    /// <summary>Cases that only move, select or convert values exactly: compared bit for bit.</summary>
    public static readonly IReadOnlySet<string> Exact = Shapes().Keys.Concat(Indexing().Keys).Concat(
    [
        "to_f64", "from_f16", "from_bf16", "from_i64", "abs_neg", "floor_round_sign", "clamp", "clamp_min", "clamp_max",
        "where", "where_scalar", "masked_fill", "maximum_minimum", "max_all", "max_dim", "max_dim_keepdim", "min_dim",
        "amax", "amax_keepdim", "embedding", "pad_constant", "pad_reflect", "pad_replicate", "max_pool2d", "relu",
        "interp_nearest_size", "interp_nearest_down", "interp_nearest_scale2", "interp_nearest_scale1_5",
    ]).ToHashSet();

    private static Tensor[] R(params Tensor[] t) => t;
}
