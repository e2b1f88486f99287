using Align.Schedulers;
using Torch;

namespace Align.Tests.Schedulers;

/// <summary>diffusers' step-index and begin-index rules, argument errors, tensor ownership and autograd through a step.</summary>
public class SchedulerBehaviourTests
{
    private static EulerDiscreteConfig Sd(TimestepSpacing spacing, PredictionType prediction = PredictionType.Epsilon) => new()
    {
        BetaStart = 0.00085, BetaEnd = 0.012, BetaSchedule = BetaSchedule.ScaledLinear, StepsOffset = 1,
        TimestepSpacing = spacing, PredictionType = prediction,
    };

    [Fact]
    public void TurboIsOneTrailingEulerStepAt999()
    {
        var euler = new EulerDiscreteScheduler(Sd(TimestepSpacing.Trailing));
        euler.SetTimesteps(1);
        Assert.Equal([999.0], euler.Timesteps);
        Assert.Equal(2, euler.Sigmas.Count);
        Assert.Equal(14.614645, euler.Sigmas[0], 1e-5);
        Assert.Equal(0f, euler.Sigmas[1]);
        Assert.Equal(euler.Sigmas[0], euler.InitNoiseSigma);

        // epsilon prediction, σ → 0 in one step: the result is the predicted x0 = x − σ·ε
        using var scope = torch.NewDisposeScope();
        Tensor x = torch.Randn([1, 4, 2, 2], new Generator(1)) * euler.InitNoiseSigma, eps = torch.Randn([1, 4, 2, 2], new Generator(2));
        SchedulerStepOutput step = euler.Step(eps, 999, x);
        Reference.AssertClose(x - eps * euler.Sigmas[0], step.PrevSample, "one-step sample", 1e-6);
        Reference.AssertClose(step.PredOriginalSample, step.PrevSample, "x0 = sample", 1e-6);
    }

    [Fact]
    public void DefaultsBeforeSetTimestepsAreTheTrainingSchedule()
    {
        var euler = new EulerDiscreteScheduler(Sd(TimestepSpacing.Leading));
        Assert.Null(euler.NumInferenceSteps);
        Assert.Equal(1000, euler.Timesteps.Count);
        Assert.Equal(999, euler.Timesteps[0]);
        Assert.Equal(0, euler.Timesteps[^1]);
        Assert.Equal(1001, euler.Sigmas.Count);
        Assert.Equal(euler.Sigmas[0], euler.Sigmas.Max());
        var ddim = new DdimScheduler(new DdimConfig());
        Assert.Equal(Enumerable.Range(0, 1000).Reverse().Select(t => (double)t), ddim.Timesteps);
        Assert.Equal(1.0, ddim.InitNoiseSigma);
        Assert.Null(ddim.Sigmas);
    }

    [Fact]
    public void StepIndexStartsAtTheTimestepAndAdvancesPerStep()
    {
        var euler = new EulerDiscreteScheduler(Sd(TimestepSpacing.Leading));
        euler.SetTimesteps(4);
        Assert.Null(euler.StepIndex);
        using var scope = torch.NewDisposeScope();
        Tensor x = torch.Ones([1, 1, 1, 1]);
        double t = euler.Timesteps[1];
        Tensor scaled = euler.ScaleModelInput(x, t);
        Assert.Equal(1, euler.StepIndex);
        Assert.Equal(1 / Math.Sqrt(euler.Sigmas[1] * (double)euler.Sigmas[1] + 1), scaled.ToDouble(), 6);
        euler.Step(x, t, x);
        Assert.Equal(2, euler.StepIndex);
        // once started, the index (not the timestep passed) decides the sigma, as in diffusers
        Tensor next = euler.ScaleModelInput(x, euler.Timesteps[0]);
        Assert.Equal(1 / Math.Sqrt(euler.Sigmas[2] * (double)euler.Sigmas[2] + 1), next.ToDouble(), 6);
        euler.SetTimesteps(4);
        Assert.Null(euler.StepIndex);
    }

    [Fact]
    public void RepeatedTimestepStartsAtItsSecondOccurrence()
    {
        // 20 leading steps over 10 training timesteps: every timestep is 0 (diffusers' integer step ratio is 0)
        var euler = new EulerDiscreteScheduler(new EulerDiscreteConfig { NumTrainTimesteps = 10, TimestepSpacing = TimestepSpacing.Leading });
        euler.SetTimesteps(20);
        Assert.All(euler.Timesteps, t => Assert.Equal(0, t));
        using var scope = torch.NewDisposeScope();
        euler.ScaleModelInput(torch.Ones([1]), 0);
        Assert.Equal(1, euler.StepIndex);
    }

    [Fact]
    public void BeginIndexOverridesTheLookupUntilSetTimesteps()
    {
        var euler = new EulerDiscreteScheduler(Sd(TimestepSpacing.Trailing));
        euler.SetTimesteps(4);
        euler.SetBeginIndex(2);
        using var scope = torch.NewDisposeScope();
        Tensor x = torch.Ones([1, 1]);
        euler.ScaleModelInput(x, euler.Timesteps[0]);
        Assert.Equal(2, euler.StepIndex);
        euler.SetTimesteps(4);
        Assert.Null(euler.BeginIndex);
        Assert.Throws<ArgumentOutOfRangeException>(() => euler.SetBeginIndex(-1));
    }

    [Fact]
    public void LcmStepIndexPicksTheNextTimestepAndNoNoiseAtTheEnd()
    {
        var lcm = new LcmScheduler(new LcmConfig());
        lcm.SetTimesteps(2);
        Assert.Equal([999.0, 499], lcm.Timesteps);
        using var scope = torch.NewDisposeScope();
        Tensor x = torch.Ones([1, 2]), eps = torch.Zeros([1, 2]);
        using var g = new Generator(5);
        SchedulerStepOutput first = lcm.Step(eps, 999, x, g);
        // not the last step: re-noised to t = 499 with the generator's noise
        using var same = new Generator(5);
        Tensor noise = torch.Randn([1, 2], same);
        float a = lcm.AlphasCumprod[499];
        Reference.AssertClose(first.PredOriginalSample * Math.Sqrt(a) + noise * Math.Sqrt(1 - a), first.PrevSample, "re-noised", 1e-6);
        SchedulerStepOutput last = lcm.Step(eps, 499, first.PrevSample, g);
        Reference.AssertClose(last.PredOriginalSample, last.PrevSample, "last step returns denoised", 0);
    }

    [Fact]
    public void EulerStepConsumesTheGeneratorAsDiffusersDoes()
    {
        var euler = new EulerDiscreteScheduler(Sd(TimestepSpacing.Trailing));
        euler.SetTimesteps(2);
        using var scope = torch.NewDisposeScope();
        using var g = new Generator(9);
        using var reference = new Generator(9);
        Tensor x = torch.Ones([2, 3]);
        euler.Step(x, euler.Timesteps[0], x, g);
        torch.Randn([2, 3], reference);
        Assert.Equal(torch.Randn([4], reference).ToArray<float>(), torch.Randn([4], g).ToArray<float>());
    }

    [Fact]
    public void TimestepTensorHasDiffusersDType()
    {
        using var scope = torch.NewDisposeScope();
        var euler = new EulerDiscreteScheduler(Sd(TimestepSpacing.Linspace));
        euler.SetTimesteps(25);
        Tensor et = euler.TimestepTensor();
        Assert.Equal(DType.Float32, et.DType);
        Assert.Equal(euler.Timesteps, et.To(DType.Float64).ToArray<double>());
        Assert.Equal(957.375f, euler.TimestepTensor(1).ToSingle());
        var ddim = new DdimScheduler(new DdimConfig());
        ddim.SetTimesteps(4);
        Tensor dt = ddim.TimestepTensor();
        Assert.Equal(DType.Int64, dt.DType);
        Assert.Equal([750L, 500, 250, 0], dt.ToArray<long>()); // steps_offset defaults to 0
        Assert.Empty(ddim.TimestepTensor(3).Shape);
    }

    [Fact]
    public void ArgumentErrors()
    {
        using var scope = torch.NewDisposeScope();
        Tensor x = torch.Ones([1, 1]);
        var euler = new EulerDiscreteScheduler(Sd(TimestepSpacing.Leading));
        euler.SetTimesteps(4);
        var e = Assert.Throws<ArgumentException>(() => euler.ScaleModelInput(x, 500));
        Assert.Contains("500", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => euler.SetTimesteps(0));

        var ddim = new DdimScheduler(new DdimConfig());
        Assert.Throws<InvalidOperationException>(() => ddim.Step(x, 999, x));
        Assert.Throws<ArgumentOutOfRangeException>(() => ddim.SetTimesteps(1001));
        ddim.SetTimesteps(4);
        Assert.Throws<ArgumentException>(() => ddim.Step(x, 500.5, x));
        Assert.Throws<ArgumentOutOfRangeException>(() => ddim.Eta = -1);

        var lcm = new LcmScheduler(new LcmConfig());
        Assert.Throws<InvalidOperationException>(() => lcm.Step(x, 999, x));
        Assert.Throws<ArgumentOutOfRangeException>(() => lcm.SetTimesteps(51));
        Assert.Throws<ArgumentOutOfRangeException>(() => lcm.SetTimesteps(30, 50, strength: 0.5));
    }

    [Fact]
    public void ResultsAreOwnedByTheCallerAndTemporariesAreFreed()
    {
        IScheduler[] schedulers =
        [
            new EulerDiscreteScheduler(Sd(TimestepSpacing.Leading, PredictionType.VPrediction)),
            new DdimScheduler(new DdimConfig { Thresholding = true }),
            new LcmScheduler(new LcmConfig()),
        ];
        foreach (IScheduler s in schedulers)
        {
            s.SetTimesteps(4);
            using var scope = torch.NewDisposeScope();
            Tensor x = torch.Ones([1, 2, 2, 2]), output = torch.Ones([1, 2, 2, 2]);
            using var g = new Generator(1);
            int before = scope.Count;
            Tensor scaled = s.ScaleModelInput(x, s.Timesteps[0]);
            SchedulerStepOutput step = s.Step(output, s.Timesteps[0], x, g);
            Assert.Equal(before + 3, scope.Count);
            scaled.Dispose();
            step.Dispose();
            Assert.Equal(8, x.Sum().ToDouble()); // the input survives its scaled alias
            Assert.Equal(8, output.Sum().ToDouble());
        }
    }

    [Fact]
    public void GradientsFlowThroughAStep()
    {
        var euler = new EulerDiscreteScheduler(Sd(TimestepSpacing.Trailing));
        euler.SetTimesteps(4);
        using var scope = torch.NewDisposeScope();
        Tensor x = torch.Ones([1, 3]).RequiresGrad_(), eps = torch.Ones([1, 3]).RequiresGrad_();
        SchedulerStepOutput step = euler.Step(eps, euler.Timesteps[0], x);
        step.PrevSample.Sum().Backward();
        // x_next = x + ε·(σ_next − σ)
        Assert.All(eps.Grad!.ToArray<float>(), g => Assert.Equal(euler.Sigmas[1] - euler.Sigmas[0], g, 5));
        Assert.All(x.Grad!.ToArray<float>(), g => Assert.Equal(1f, g, 5));
    }
}
