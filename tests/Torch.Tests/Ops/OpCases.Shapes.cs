namespace Torch.Tests.Ops;

public static partial class OpCases
{
    private static Dictionary<string, Case> Shapes() => new()
    {
        ["cat_dim1"] = x => R(torch.Cat([x[0], x[1]], 1)),
        ["stack_dim0"] = x => R(torch.Stack([x[0], x[1]], 0)),
        ["stack_dim2"] = x => R(torch.Stack([x[0], x[1]], 2)),
        ["chunk"] = x => x[0].Chunk(3, 1),
        ["split_size"] = x => x[0].Split(2, 0),
        ["split_sizes"] = x => x[0].Split([1, 3, 2], 1),
        ["permute"] = x => R(x[0].Permute(2, 0, 1)),
        ["reshape"] = x => R(x[0].Reshape(4, -1)),
        ["view"] = x => R(x[0].View(6, 4)),
        ["transpose"] = x => R(x[0].Transpose(0, 2)),
        ["flatten_1"] = x => R(x[0].Flatten(1)),
        ["flatten_1_2"] = x => R(x[0].Flatten(1, 2)),
        ["expand"] = x => R(x[0].Expand(2, 3, 4)),
        ["repeat"] = x => R(x[0].Repeat(2, 1, 3)),
        ["narrow"] = x => R(x[0].Narrow(1, 1, 2)),
        ["slice_step"] = x => R(x[0].Slice(0, 1, 8, 3)),
        ["unsqueeze_squeeze"] = x => R(x[0].Squeeze(1).Unsqueeze(0), x[0].Squeeze()),
        ["index_select"] = x => R(x[0].IndexSelect(1, x[1])),
        ["gather"] = x => R(x[0].Gather(2, x[1])),
        ["flip"] = x => R(x[0].Flip(0, 2)),
        ["roll"] = x => R(x[0].Roll([1, -1], [1, 2])),
        ["tril_triu"] = x => R(x[0].Tril(), x[0].Triu(1)),
        ["unbind"] = x => x[0].Unbind(1),
        ["topk"] = x =>
        {
            var (v, i) = x[0].Topk(2, -1);
            return R(v, i);
        },
        ["sort"] = x =>
        {
            var (v, i) = x[0].Sort(-1, descending: true);
            return R(v, i);
        },
    };

    private static Dictionary<string, Case> Indexing() => new()
    {
        ["idx_int"] = x => R(x[0][1]),
        ["idx_int_neg"] = x => R(x[0][-1, -2]),
        ["idx_int_range"] = x => R(x[0][1, 2..4]),
        ["idx_ellipsis"] = x => R(x[0][TensorIndex.Ellipsis, 1]),
        ["idx_none"] = x => R(x[0][TensorIndex.None, 1..3]),
        ["idx_mixed"] = x => R(x[0][.., TensorIndex.None, TensorIndex.Ellipsis, 0]),
        ["idx_from_end"] = x => R(x[0][^2.., ..^1]),
        ["idx_tensor"] = x => R(x[0][x[1]]),
        ["idx_tensor_dim1"] = x => R(x[0][.., x[1]]),
        ["idx_tensor_split"] = x => R(x[0][x[1], .., x[2]]),
        ["idx_tensor_ellipsis"] = x => R(x[0][TensorIndex.Ellipsis, x[1]]),
        ["idx_mask_full"] = x => R(x[0][x[1]]),
        ["idx_mask_lead"] = x => R(x[0][x[1]]),
        ["idx_mask_lead_ellipsis"] = x => R(x[0][x[1], TensorIndex.Ellipsis, 1]),
        ["idx_mask_dim1"] = x => R(x[0][1.., x[1], TensorIndex.Ellipsis, TensorIndex.None]),
        ["index_put_mask"] = x =>
        {
            Tensor y = x[0].Clone();
            y[x[1]] = torch.Scalar(0.25);
            return R(y);
        },
        ["index_put_tensor"] = x =>
        {
            Tensor y = x[0].Clone();
            y[.., x[1]] = x[2];
            return R(y);
        },
        ["index_put_slice"] = x =>
        {
            Tensor y = x[0].Clone();
            y[1, 1..3] = x[1];
            return R(y);
        },
    };
}
