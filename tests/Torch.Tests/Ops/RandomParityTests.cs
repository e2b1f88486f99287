using Torch.Tests.Support;

namespace Torch.Tests.Ops;

/// <summary>
/// Random streams from a seeded <see cref="Generator"/> equal PyTorch's after <c>torch.manual_seed</c>,
/// bit for bit, call after call (the "rng/..." entries of Fixtures/gen_ops.py).
/// </summary>
public class RandomParityTests
{
    private static readonly ulong[] Seeds = [0, 42, (1UL << 40) + 3];
    private static readonly long[][] F32Shapes = [[5], [15], [16], [17], [100], [2, 4, 8, 8], [1, 4, 16, 16]];
    private static readonly long[][] F64Shapes = [[7], [33], [2, 4, 8, 8]];

    private static string Key(ulong seed, long[] shape) => $"{seed}_{string.Join("x", shape)}";

    /// <summary>Each stored stream: its name and the calls that reproduce it on one generator.</summary>
    public static IEnumerable<(string Name, ulong Seed, Func<Generator, Tensor>[] Calls)> Streams()
    {
        foreach (ulong seed in Seeds)
        {
            foreach (long[] shape in F32Shapes)
                yield return ($"randn_f32_{Key(seed, shape)}", seed, [g => torch.Randn(shape, g), g => torch.Randn(shape, g)]);
            foreach (long[] shape in F64Shapes)
                yield return ($"randn_f64_{Key(seed, shape)}", seed,
                    [g => torch.Randn(shape, g, DType.Float64), g => torch.Randn(shape, g, DType.Float64)]);
        }
        yield return ("randn_mixed_7", 7, [g => torch.Randn([3], g), g => torch.Randn([20], g), g => torch.Randn([2, 4, 8, 8], g)]);
        yield return ("rand_f32_1", 1, [g => torch.Rand([10], g), g => torch.Rand([40], g)]);
        yield return ("rand_f64_1", 1, [g => torch.Rand([20], g, DType.Float64)]);
        yield return ("randint_3", 3, [g => torch.Randint(0, 1000, [50], g), g => torch.Randint(-5, 5, [3, 4], g)]);
        yield return ("normal_5", 5,
            [g => torch.Empty([20]).Normal_(0.5, 2.0, g), g => torch.Empty([8]).Normal_(0.5, 2.0, g)]);
    }

    public static TheoryData<string> StreamNames => new(Streams().Select(s => s.Name));

    [Fact]
    public void EveryStoredStreamIsChecked()
    {
        var stored = FixtureFile.Ops.Names.Where(n => n.StartsWith("rng/")).Select(n => n.Split('/')[1]).ToHashSet();
        Assert.Equal(stored.Order(), Streams().Select(s => s.Name).Order());
    }

    [Theory]
    [MemberData(nameof(StreamNames))]
    public void GeneratorReproducesPyTorchStream(string name)
    {
        var (_, seed, calls) = Streams().Single(s => s.Name == name);
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator(seed);
        for (int k = 0; k < calls.Length; k++)
            Expect.Equal(FixtureFile.Ops.Get($"rng/{name}/{k}"), calls[k](generator), $"{name} call {k}");
        Assert.False(FixtureFile.Ops.Contains($"rng/{name}/{calls.Length}"));
    }

    [Fact]
    public void ReseedingRestartsTheStream()
    {
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator(42);
        Tensor first = torch.Randn([2, 4, 8, 8], generator);
        torch.Randn([5], generator);
        generator.ManualSeed(42);
        Expect.Equal(first, torch.Randn([2, 4, 8, 8], generator));
        Assert.Equal(42UL, generator.InitialSeed);
    }

    [Fact]
    public void StateRoundTripsAndGeneratorsAreIndependent()
    {
        using var scope = torch.NewDisposeScope();
        using var a = new Generator(0);
        using var b = new Generator(0);
        torch.Randn([17], a);
        Tensor state = a.GetState();
        Tensor next = torch.Randn([33], a);
        a.SetState(state);
        Expect.Equal(next, torch.Randn([33], a));
        // b was untouched by a's draws.
        Expect.Equal(FixtureFile.Ops.Get("rng/randn_f32_0_17/0"), torch.Randn([17], b));
    }
}
