using Torch;
using Torch.NN;
using Torch.Optim;

namespace Torch.Tests.NN;

public class ModuleTests
{
    private static Net LoadedNet()
    {
        var net = new Net();
        net.LoadStateDict(NnFixture.Tensors("net", "state"));
        return net;
    }

    [Fact]
    public void NamesMatchPyTorch()
    {
        using var scope = torch.NewDisposeScope();
        using var net = new Net();
        Assert.Equal(NnFixture.Strings("net", "state_dict_keys"), net.StateDict().Keys);
        Assert.Equal(NnFixture.Strings("net", "named_parameters"), net.NamedParameters().Select(p => p.Name));
        Assert.Equal(NnFixture.Strings("net", "named_buffers"), net.NamedBuffers().Select(b => b.Name));
        Assert.Equal(NnFixture.Strings("net", "named_modules"), net.NamedModules().Select(m => m.Name));
        Assert.Equal(["conv_in", "blocks", "down", "emb", "norm", "mlp", "out"], net.NamedChildren().Select(c => c.Name));
        Assert.Same(net.blocks[1], net.blocks.Children().Last());
    }

    [Fact]
    public void ShapesMatchPyTorch()
    {
        using var scope = torch.NewDisposeScope();
        using var net = new Net();
        var expected = NnFixture.Tensors("net", "state");
        foreach (var (name, t) in net.StateDict())
            Assert.True(expected[name].Shape.SequenceEqual(t.Shape), $"{name}: [{string.Join(", ", t.Shape)}]");
    }

    [Fact]
    public void DefaultInitialisationMatchesPyTorch()
    {
        using var scope = torch.NewDisposeScope();
        using var g = new Generator(7);
        // Same construction order as init_fixture() after torch.manual_seed(7).
        using var lin = new Linear(5, 3, generator: g);
        using var conv = new Conv2d(4, 6, (3, 2), groups: 2, generator: g);
        using var emb = new Embedding(4, 3, paddingIdx: 1, generator: g);
        using var linNoBias = new Linear(2, 3, bias: false, generator: g);
        var expected = NnFixture.Tensors("init");
        NnFixture.AssertClose(expected["linear.weight"], lin.Weight, 0, 0, "linear.weight");
        NnFixture.AssertClose(expected["linear.bias"], lin.Bias!, 0, 0, "linear.bias");
        NnFixture.AssertClose(expected["conv.weight"], conv.Weight, 0, 0, "conv.weight");
        NnFixture.AssertClose(expected["conv.bias"], conv.Bias!, 0, 0, "conv.bias");
        NnFixture.AssertClose(expected["emb.weight"], emb.Weight, 0, 0, "emb.weight");
        NnFixture.AssertClose(expected["linear_nobias.weight"], linNoBias.Weight, 0, 0, "linear_nobias.weight");
        Assert.Null(linNoBias.Bias);
        Assert.Equal(["weight"], linNoBias.StateDict().Keys);
    }

    [Fact]
    public void ForwardAndGradientsMatchPyTorch()
    {
        using var scope = torch.NewDisposeScope();
        using Net net = LoadedNet();
        net.Eval();
        Tensor x = NnFixture.Tensor("net", "x"), ids = NnFixture.Tensor("net", "ids"), w = NnFixture.Tensor("net", "w");

        Tensor output = net.Forward(x, ids);
        NnFixture.AssertClose(NnFixture.Tensor("net", "out"), output, 1e-5, 1e-6, "output");

        (output * w).Sum().Backward();
        var grads = NnFixture.Tensors("net", "grads");
        Assert.Equal(grads.Keys.Order(), net.NamedParameters().Select(p => p.Name).Order());
        foreach (var (name, p) in net.NamedParameters())
            NnFixture.AssertClose(grads[name], p.Grad ?? throw new Xunit.Sdk.XunitException($"{name} has no grad"), 1e-5, 1e-6, $"grad {name}");
    }

    [Fact]
    public void StrictLoadThrowsOneErrorListingEveryProblemAndCopiesNothing()
    {
        using var scope = torch.NewDisposeScope();
        using var net = new Net();
        using Tensor before = net.conv_in.Weight.Clone();
        var state = NnFixture.Tensors("net", "state");
        state.Remove("blocks.0.norm.bias");
        state.Remove("out.bias");
        state["extra.weight"] = torch.Zeros([2]);
        state["down.weight"] = torch.Zeros([8, 4, 2, 3]);

        var ex = Assert.Throws<StateDictMismatchException>(() => net.LoadStateDict(state));

        Assert.Equal("error loading state dict into Net: missing: blocks.0.norm.bias, out.bias; unexpected: extra.weight; "
            + "shape mismatch: down.weight expected [8, 4, 3, 2] got [8, 4, 2, 3]", ex.Message);
        Assert.Equal(["blocks.0.norm.bias", "out.bias"], ex.Result.MissingKeys);
        Assert.True(net.conv_in.Weight.Eq(before).All().ToBoolean(), "a failed strict load must not copy anything");
    }

    [Fact]
    public void NonStrictLoadCopiesWhatMatchesAndReportsTheRest()
    {
        using var scope = torch.NewDisposeScope();
        using var net = new Net();
        var state = NnFixture.Tensors("net", "state");
        state.Remove("emb.weight");
        state["emb.weight.extra"] = torch.Zeros([1]);
        state["scale"] = torch.Zeros([4]);

        LoadStateDictResult result = net.LoadStateDict(state, strict: false);

        Assert.Equal(["emb.weight"], result.MissingKeys);
        Assert.Equal(["emb.weight.extra"], result.UnexpectedKeys);
        var mismatch = Assert.Single(result.ShapeMismatches);
        Assert.Equal("scale", mismatch.Key);
        Assert.Equal(new long[] { 3 }, mismatch.Expected);
        Assert.Equal(new long[] { 4 }, mismatch.Got);
        NnFixture.AssertClose(state["conv_in.weight"], net.conv_in.Weight, 0, 0, "conv_in.weight");
        Assert.Equal(new float[] { 1, 2, 0.5f }, net.scale.ToArray<float>());
    }

    [Fact]
    public void LoadConvertsToTheParameterDType()
    {
        using var scope = torch.NewDisposeScope();
        using var lin = new Linear(2, 1);
        var state = new Dictionary<string, Tensor>
        {
            ["weight"] = Tensor.FromArray(new double[] { 0.25, -1.5 }, 1, 2),
            ["bias"] = Tensor.FromArray(new double[] { 3 }, 1),
        };
        Assert.True(lin.LoadStateDict(state).IsEmpty);
        Assert.Equal(DType.Float32, lin.Weight.DType);
        Assert.Equal(new float[] { 0.25f, -1.5f }, lin.Weight.ToArray<float>());
        Assert.Equal(new float[] { 3 }, lin.Bias!.ToArray<float>());
        Assert.True(lin.Weight.RequiresGrad);
        Assert.True(lin.Weight.IsLeaf);
    }

    [Fact]
    public void StateDictValuesAreDetachedViewsOfTheModuleStorage()
    {
        using var lin = new Linear(2, 2);
        using (var scope = torch.NewDisposeScope())
        {
            Tensor w = lin.StateDict()["weight"];
            Assert.False(w.RequiresGrad);
            using (Autograd.NoGrad()) w.Fill_(4);
        }
        Assert.False(lin.Weight.IsDisposed);
        Assert.Equal(new float[] { 4, 4, 4, 4 }, lin.Weight.ToArray<float>());
    }

    [Fact]
    public void TrainAndEvalSwitchDropoutThroughTheTree()
    {
        using var scope = torch.NewDisposeScope();
        using var net = new Net();
        var dropout = (Dropout)net.mlp[2];
        Tensor ones = torch.Ones([4000]);
        Assert.True(dropout.IsTraining);

        float[] trained = dropout.Forward(ones).ToArray<float>();
        Assert.All(trained, v => Assert.True(v == 0 || Math.Abs(v - 1 / 0.75f) < 1e-6, $"unexpected value {v}"));
        int zeros = trained.Count(v => v == 0);
        Assert.InRange(zeros, 800, 1200);

        net.Eval();
        Assert.All(net.Modules(), m => Assert.False(m.IsTraining));
        Assert.Equal(ones.ToArray<float>(), dropout.Forward(ones).ToArray<float>());

        net.Train();
        Assert.All(net.Modules(), m => Assert.True(m.IsTraining));
    }

    [Fact]
    public void ToFloat64KeepsTensorIdentityAndOptimizerReferences()
    {
        using var scope = torch.NewDisposeScope();
        using var net = new Net();
        Tensor weight = net.@out.Weight;
        using var opt = new SGD(net.Parameters(), lr: 0.5);

        Assert.Same(net, net.To(DType.Float64));

        Assert.Same(weight, net.@out.Weight);
        Assert.Equal(DType.Float64, weight.DType);
        Assert.True(weight.RequiresGrad);
        Assert.True(weight.IsLeaf);
        Assert.All(net.Parameters(), p => Assert.Equal(DType.Float64, p.DType));
        Assert.Equal(DType.Float64, net.scale.DType);
        Assert.Equal(DType.Float64, net.cache.DType);

        Tensor x = torch.Randn([1, 3, 6, 6], dtype: DType.Float64);
        Tensor ids = torch.Zeros([1, 9], DType.Int64);
        double[] old = weight.ToArray<double>();
        net.Forward(x, ids).Sum().Backward();
        double[] grad = weight.Grad!.ToArray<double>();
        opt.Step();
        double[] updated = net.@out.Weight.ToArray<double>();
        for (int k = 0; k < old.Length; k++) Assert.Equal(old[k] - 0.5 * grad[k], updated[k], 12);
    }

    [Fact]
    public void ToConvertsGradientsAndOnlyFloatingPointTensors()
    {
        using var scope = torch.NewDisposeScope();
        using var lin = new Linear(2, 2);
        Tensor counter = lin.RegisterBuffer("counter", torch.Zeros([1], DType.Int64));
        lin.Forward(torch.Ones([1, 2])).Sum().Backward();

        lin.To(DType.Float64);

        Assert.Equal(DType.Int64, counter.DType);
        Assert.Equal(DType.Float64, lin.Weight.Grad!.DType);
        Assert.Throws<ArgumentException>(() => lin.To(DType.Int32));
    }

    [Fact]
    public void FreezingStopsGradients()
    {
        using var scope = torch.NewDisposeScope();
        using var net = new Net();
        net.blocks.RequiresGrad_(false);
        Tensor x = torch.Randn([1, 3, 6, 6]);
        Tensor ids = torch.Zeros([1, 9], DType.Int64);

        net.Forward(x, ids).Sum().Backward();

        foreach (var (name, p) in net.NamedParameters())
        {
            bool frozen = name.StartsWith("blocks.", StringComparison.Ordinal);
            Assert.Equal(!frozen, p.RequiresGrad);
            Assert.True(frozen == p.Grad is null, $"{name}: frozen={frozen} but grad is {(p.Grad is null ? "null" : "set")}");
        }

        net.RequiresGrad_(true);
        net.ZeroGrad();
        net.Forward(x, ids).Sum().Backward();
        Assert.All(net.Parameters(), p => Assert.NotNull(p.Grad));
    }

    [Fact]
    public void ZeroGradClearsOrZeroes()
    {
        using var scope = torch.NewDisposeScope();
        using var lin = new Linear(3, 2);
        Tensor x = torch.Ones([4, 3]);
        lin.Forward(x).Sum().Backward();
        Assert.NotNull(lin.Weight.Grad);

        lin.ZeroGrad(setToNone: false);
        Assert.All(lin.Parameters(), p => Assert.All(p.Grad!.ToArray<float>(), v => Assert.Equal(0f, v)));

        lin.ZeroGrad();
        Assert.All(lin.Parameters(), p => Assert.Null(p.Grad));
    }

    [Fact]
    public void ParametersOutliveTheScopeTheyWereMadeInAndDieWithTheModule()
    {
        Linear lin;
        using (var scope = torch.NewDisposeScope()) lin = new Linear(3, 2);
        Assert.False(lin.Weight.IsDisposed);
        Assert.Equal(new long[] { 2, 3 }, lin.Weight.Shape);

        Tensor buffer = lin.RegisterBuffer("stats", torch.Zeros([2]));
        lin.Dispose();
        Assert.True(lin.Weight.IsDisposed);
        Assert.True(lin.Bias!.IsDisposed);
        Assert.True(buffer.IsDisposed);
    }

    [Fact]
    public void RegistrationRejectsBadNamesAndNonLeafParameters()
    {
        using var scope = torch.NewDisposeScope();
        using var lin = new Linear(2, 2);
        Assert.Throws<ArgumentException>(() => lin.RegisterParameter("a.b", torch.Zeros([1])));
        Assert.Throws<ArgumentException>(() => lin.RegisterBuffer("weight", torch.Zeros([1])));
        Assert.Throws<ArgumentException>(() => lin.RegisterModule("bias", new SiLU()));
        Tensor nonLeaf = lin.Weight * 2.0;
        Assert.Throws<ArgumentException>(() => lin.RegisterParameter("scaled", nonLeaf));

        // A registered parameter requires grad; a null one is left out of the state dict.
        Tensor extra = lin.RegisterParameter("extra", torch.Zeros([3]));
        Assert.True(extra.RequiresGrad);
        lin.RegisterParameter("absent", null);
        Assert.Equal(["weight", "bias", "extra"], lin.StateDict().Keys);
    }

    [Fact]
    public void SequentialAndIdentityHandOutTensorsTheCallerOwns()
    {
        using var scope = torch.NewDisposeScope();
        using var seq = new Sequential(new Linear(3, 3), new Identity(), new SiLU(), new Identity());
        Tensor x = torch.Randn([2, 3]);
        Tensor y = seq.Forward(x);
        Assert.False(x.IsDisposed);
        Assert.NotSame(x, y);
        using Tensor expected = F.Silu(((Linear)seq[0]).Forward(x));
        NnFixture.AssertClose(expected, y, 0, 0, "sequential");

        using var identities = new Sequential(new Identity());
        Tensor z = identities.Forward(x);
        Assert.NotSame(x, z);
        z.Dispose();
        Assert.False(x.IsDisposed);

        var named = new Sequential([("proj", (Module<Tensor, Tensor>)new Linear(3, 4)), ("act", new GELU("tanh"))]);
        Assert.Equal(["proj.weight", "proj.bias"], named.StateDict().Keys);
    }

    [Fact]
    public void EmbeddingPaddingRowIsZeroAndGetsNoGradient()
    {
        using var scope = torch.NewDisposeScope();
        using var emb = new Embedding(5, 3, paddingIdx: -1);
        Assert.Equal(4L, emb.PaddingIdx);
        Assert.Equal(new float[3], emb.Weight[4].ToArray<float>());
        Tensor ids = Tensor.FromArray(new long[] { 4, 1, 4, 2 }, 2, 2);
        emb.Forward(ids).Sum().Backward();
        Tensor grad = emb.Weight.Grad!;
        Assert.Equal(new float[3], grad[4].ToArray<float>());
        Assert.Equal(new float[] { 1, 1, 1 }, grad[1].ToArray<float>());
    }

    [Fact]
    public void ModuleListNamesChildrenByIndex()
    {
        using var scope = torch.NewDisposeScope();
        using var list = new ModuleList { new Linear(2, 2), new SiLU(), new Linear(2, 1, bias: false) };
        Assert.Equal(3, list.Count);
        Assert.Equal(["0.weight", "0.bias", "2.weight"], list.StateDict().Keys);
        list[1] = new LayerNorm(2);
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias", "2.weight"], list.StateDict().Keys);
        Assert.IsType<LayerNorm>(list[-2]);
    }
}
