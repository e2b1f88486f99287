using System.Reflection;

namespace Torch.Tests.Ops;

/// <summary>Every operator the engine names in a static <see cref="Op"/> field exists in this libtorch.</summary>
public class AtenTableTests
{
    private const string FusedAttention = "aten::scaled_dot_product_attention";

    private static IEnumerable<(string Where, Op Op)> StaticOps() =>
        from type in typeof(Op).Assembly.GetTypes()
        from field in type.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
        where field.FieldType == typeof(Op)
        select ($"{type.Name}.{field.Name}", (Op)field.GetValue(null)!);

    [Fact]
    public void EveryOpResolves()
    {
        var ops = StaticOps().ToList();
        Assert.True(ops.Count > 150, $"found only {ops.Count} Op fields");
        var missing = new List<string>();
        foreach (var (where, op) in ops)
        {
            if (!Op.Exists(op.Name, op.Overload))
            {
                missing.Add($"{where} = {op}");
                continue;
            }
            Assert.StartsWith(op.Name, op.Schema);
        }
        // The fused attention kernel is a libtorch 2.x feature; the API probes for it.
        string[] allowed = torch.HasFusedAttention ? [] : [$"Aten.ScaledDotProductAttention = {FusedAttention}"];
        Assert.Equal(allowed, missing);
    }

    [Fact]
    public void FusedAttentionProbeMatchesTheLibrary()
    {
        Assert.Equal(Op.Exists(FusedAttention), torch.HasFusedAttention);
        Assert.StartsWith("1.13", torch.Version);
        Assert.False(torch.HasFusedAttention);
    }

    [Fact]
    public void ExistsIsFalseForUnknownNamesAndOverloads()
    {
        Assert.False(Op.Exists("aten::no_such_operator"));
        Assert.False(Op.Exists("aten::add", "NoSuchOverload"));
        Assert.True(Op.Exists("aten::add", "Tensor"));
    }
}
