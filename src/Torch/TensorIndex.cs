namespace Torch;

/// <summary>One entry of a Python-style index: <c>x[1, 2..5, TensorIndex.Ellipsis, TensorIndex.None, mask]</c>.</summary>
public readonly struct TensorIndex
{
    internal enum Kinds { Single, Slice, Ellipsis, NewAxis, Tensor }

    internal readonly Kinds Kind;
    internal readonly long Value;
    internal readonly long? Start, Stop;
    internal readonly long Step;
    internal readonly Tensor? Tensor;

    private TensorIndex(Kinds kind, long value = 0, long? start = null, long? stop = null, long step = 1, Tensor? tensor = null)
    {
        Kind = kind;
        Value = value;
        Start = start;
        Stop = stop;
        Step = step;
        Tensor = tensor;
    }

    public static readonly TensorIndex Ellipsis = new(Kinds.Ellipsis);
    /// <summary>Python's <c>None</c> in an index: inserts a dimension of size 1.</summary>
    public static readonly TensorIndex None = new(Kinds.NewAxis);

    public static TensorIndex Single(long index) => new(Kinds.Single, index);
    public static TensorIndex Slice(long? start = null, long? stop = null, long step = 1) =>
        step > 0 ? new(Kinds.Slice, start: start, stop: stop, step: step) : throw new ArgumentOutOfRangeException(nameof(step), "step must be positive");

    public static implicit operator TensorIndex(long index) => Single(index);
    public static implicit operator TensorIndex(int index) => Single(index);
    public static implicit operator TensorIndex(Tensor index) => new(Kinds.Tensor, tensor: index);

    /// <summary><c>a..b</c>; <c>^k</c> counts from the end like a negative Python index.</summary>
    public static implicit operator TensorIndex(Range r) => Slice(Bound(r.Start, true), Bound(r.End, false));

    private static long? Bound(Index i, bool isStart)
    {
        if (i.IsFromEnd) return i.Value == 0 ? (isStart ? 0 : null) : -i.Value;
        return i.Value;
    }
}

public sealed partial class Tensor
{
    private static readonly Op Alias = new("aten::alias");

    /// <summary>Python-style indexing: integers, ranges, <see cref="TensorIndex.Ellipsis"/>, <see cref="TensorIndex.None"/>, and index/mask tensors.</summary>
    public Tensor this[params TensorIndex[] index]
    {
        get => Index(index);
        set => IndexPut_(index, value);
    }

    public Tensor Index(params TensorIndex[] index)
    {
        Tensor view = BasicIndex(index, out Tensor?[]? advanced);
        if (advanced is null) return view;
        try
        {
            return Aten.Index.Call(view, advanced);
        }
        finally
        {
            view.Dispose();
        }
    }

    /// <summary><c>x[index] = value</c>: copies (broadcasting) <paramref name="value"/> into the indexed elements.</summary>
    public Tensor IndexPut_(TensorIndex[] index, Tensor value)
    {
        using Tensor view = BasicIndex(index, out Tensor?[]? advanced);
        if (advanced is null) view.Copy_(value);
        else Aten.IndexPut_.CallVoid(view, advanced, value, false);
        return this;
    }

    /// <summary>Applies integer, slice, ellipsis and new-axis entries as views; collects tensor entries by dimension.</summary>
    private Tensor BasicIndex(TensorIndex[] index, out Tensor?[]? advanced)
    {
        long ndim = Dim;
        // A bool mask consumes as many dimensions as it has.
        long consumed = index.Sum(i => i.Kind switch
        {
            TensorIndex.Kinds.Single or TensorIndex.Kinds.Slice => 1L,
            TensorIndex.Kinds.Tensor => i.Tensor!.DType == DType.Bool ? i.Tensor.Dim : 1L,
            _ => 0L,
        });
        if (consumed > ndim) throw new IndexOutOfRangeException($"too many indices ({consumed}) for a {ndim}-d tensor");
        if (index.Count(i => i.Kind == TensorIndex.Kinds.Ellipsis) > 1) throw new ArgumentException("an index can have only one ellipsis");

        Tensor current = Alias.Call(this);
        // One entry per dimension of the resulting view, as aten::index takes them (null: keep the dimension).
        var entries = new List<Tensor?>();
        long dim = 0;
        foreach (TensorIndex i in index)
        {
            Tensor next;
            switch (i.Kind)
            {
                case TensorIndex.Kinds.Single:
                    next = current.Select(dim, i.Value);
                    break;
                case TensorIndex.Kinds.Slice:
                    next = current.Slice(dim, i.Start, i.Stop, i.Step);
                    entries.Add(null);
                    dim++;
                    break;
                case TensorIndex.Kinds.NewAxis:
                    next = current.Unsqueeze(dim);
                    entries.Add(null);
                    dim++;
                    break;
                case TensorIndex.Kinds.Ellipsis:
                    for (long k = 0; k < ndim - consumed; k++) entries.Add(null);
                    dim += ndim - consumed;
                    continue;
                default:
                    entries.Add(i.Tensor!);
                    dim += i.Tensor!.DType == DType.Bool ? i.Tensor.Dim : 1;
                    continue;
            }
            current.Dispose();
            current = next;
        }
        int last = entries.FindLastIndex(e => e is not null);
        advanced = last < 0 ? null : entries.Take(last + 1).ToArray();
        return current;
    }
}
