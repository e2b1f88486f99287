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

    private static Tensor[] R(params Tensor[] t) => t;
}
