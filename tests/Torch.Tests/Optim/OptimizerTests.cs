using Torch;
using Torch.Optim;
using Torch.Tests.NN;

namespace Torch.Tests.Optim;

public class OptimizerTests
{
    private static readonly string[] Names = ["w1", "b1", "w2", "b2"];

    /// <summary>The same optimizers as CONFIGS in Fixtures/gen_nn.py.</summary>
    private static Optimizer Make(string config, Tensor[] ps) => config switch
    {
        "sgd" => new SGD(ps, lr: 0.1),
        "sgd_momentum" => new SGD(ps, lr: 0.1, momentum: 0.9, dampening: 0.1),
        "sgd_nesterov_wd" => new SGD(ps, lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01),
        "sgd_wd_maximize" => new SGD(ps, lr: 0.1, weightDecay: 0.05, maximize: true),
        "adam" => new Adam(ps, lr: 0.01),
        "adam_wd_amsgrad" => new Adam(ps, lr: 0.02, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1, amsgrad: true),
        "adamw" => new AdamW(ps, lr: 0.01, weightDecay: 0.1),
        "adamw_groups" => new AdamW([new ParamGroup(ps[..2], learningRate: 0.01, weightDecay: 0.1),
            new ParamGroup(ps[2..], learningRate: 0.03, weightDecay: 0.0)], lr: 0.001),
        _ => throw new ArgumentException(config),
    };

    public static TheoryData<string> Configs => new(NnFixture.Get("optim", "results").EnumerateObject().Select(p => p.Name));

    private static Tensor[] InitialParams() =>
        Names.Select(n => NnFixture.Tensor("optim", "init", n).DetachFromDisposeScope().RequiresGrad_()).ToArray();

    private static void Steps(Optimizer opt, Tensor[] ps, int count)
    {
        using var scope = torch.NewDisposeScope();
        Tensor x = NnFixture.Tensor("optim", "x"), y = NnFixture.Tensor("optim", "y");
        for (int k = 0; k < count; k++)
        {
            opt.ZeroGrad();
            using Tensor hidden = F.Linear(x, ps[0], ps[1]).Tanh();
            using Tensor prediction = F.Linear(hidden, ps[2], ps[3]);
            using Tensor loss = F.MseLoss(prediction, y);
            loss.Backward();
            opt.Step();
        }
    }

    private static void AssertMatchesFixture(string config, Tensor[] ps)
    {
        using var scope = torch.NewDisposeScope();
        for (int k = 0; k < Names.Length; k++)
            NnFixture.AssertClose(NnFixture.Tensor("optim", "results", config, Names[k]), ps[k], 1e-6, 1e-6, $"{config} {Names[k]}");
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void FiveStepsMatchTorchOptim(string config)
    {
        Tensor[] ps = InitialParams();
        using Optimizer opt = Make(config, ps);
        Steps(opt, ps, NnFixture.Get("optim", "steps").GetInt32());
        AssertMatchesFixture(config, ps);
        foreach (Tensor p in ps) p.Dispose();
    }

    [Theory]
    [InlineData("sgd_momentum")]
    [InlineData("adam_wd_amsgrad")]
    [InlineData("adamw_groups")]
    public void ResumingFromASavedStateGivesTheSameParameters(string config)
    {
        int total = NnFixture.Get("optim", "steps").GetInt32();
        Tensor[] ps = InitialParams();
        Optimizer first = Make(config, ps);
        Steps(first, ps, 2);

        // Save, then continue with fresh parameter tensors and a fresh optimizer, as a resumed run would.
        var saved = new Dictionary<string, Tensor>();
        using (var scope = torch.NewDisposeScope())
            foreach (var (key, t) in first.StateDict()) saved[key] = t.Clone().DetachFromDisposeScope();
        Tensor[] resumed = ps.Select(p => p.Detach().Clone().DetachFromDisposeScope().RequiresGrad_()).ToArray();
        first.Dispose();
        using Optimizer second = Make(config, resumed);
        second.LearningRate = 123; // restored by the load
        second.LoadStateDict(saved);

        Steps(second, resumed, total - 2);

        AssertMatchesFixture(config, resumed);
        foreach (Tensor t in saved.Values.Concat(ps).Concat(resumed)) t.Dispose();
    }

    [Fact]
    public void AdamStateIsLaidOutLikePyTorch()
    {
        Tensor[] ps = InitialParams();
        using var opt = new Adam(ps, lr: 0.01, amsgrad: true);
        Steps(opt, ps, 3);
        using var scope = torch.NewDisposeScope();
        var state = opt.StateDict();
        Assert.Equal(3.0, state["state.0.step"].ToDouble());
        Assert.Equal(DType.Float32, state["state.0.step"].DType);
        Assert.Equal(new long[] { 4, 3 }, state["state.0.exp_avg"].Shape);
        Assert.Contains("state.3.max_exp_avg_sq", state.Keys);
        Assert.Equal(new long[] { 0, 1, 2, 3 }, state["param_groups.0.params"].ToArray<long>());
        Assert.Equal(0.01, state["param_groups.0.lr"].ToDouble());
        foreach (Tensor p in ps) p.Dispose();
    }

    [Fact]
    public void StateOutlivesTheCallersScopeAndParametersWithoutGradAreSkipped()
    {
        Tensor[] ps = InitialParams();
        using var opt = new SGD(ps, lr: 0.1, momentum: 0.9);
        using (var scope = torch.NewDisposeScope())
        {
            Steps(opt, ps, 1);
        }
        // The momentum buffers were created inside that scope; a second step uses them.
        Steps(opt, ps, 1);

        using var s = torch.NewDisposeScope();
        using Tensor frozen = NnFixture.Tensor("optim", "init", "w1").RequiresGrad_();
        using Tensor before = frozen.Detach().Clone();
        using var other = new Adam([frozen], lr: 0.1);
        other.Step();
        Assert.True(frozen.Eq(before).All().ToBoolean());
        Assert.DoesNotContain(other.StateDict().Keys, k => k.StartsWith("state.", StringComparison.Ordinal));
        foreach (Tensor p in ps) p.Dispose();
    }

    [Fact]
    public void LearningRateSetsEveryGroup()
    {
        using var scope = torch.NewDisposeScope();
        Tensor a = torch.Zeros([2]).RequiresGrad_(), b = torch.Zeros([2]).RequiresGrad_();
        using var opt = new SGD([new ParamGroup([a], learningRate: 0.5), new ParamGroup([b])], lr: 0.1);
        Assert.Equal([0.5, 0.1], opt.ParamGroups.Select(g => g.LearningRate));
        opt.LearningRate = 0.01;
        Assert.Equal([0.01, 0.01], opt.ParamGroups.Select(g => g.LearningRate));
    }

    [Fact]
    public void InvalidConfigurationsThrow()
    {
        using var scope = torch.NewDisposeScope();
        Tensor a = torch.Zeros([2]).RequiresGrad_();
        Assert.Throws<ArgumentException>(() => new SGD([a], lr: 0.1, nesterov: true));
        Assert.Throws<ArgumentException>(() => new SGD([new ParamGroup([a]), new ParamGroup([a])], lr: 0.1));
        Assert.Throws<ArgumentException>(() => new Adam([a * 2.0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([a], beta1: 1.0));
        Assert.Throws<ArgumentException>(() => new AdamW(Array.Empty<Tensor>()));
    }
}
