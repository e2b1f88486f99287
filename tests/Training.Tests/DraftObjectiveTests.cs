using Align.Adapters;
using Align.Pipelines;
using Align.Rewards;
using Align.Schedulers;
using Torch;
using Torch.Optim;
using Training.Draft;
using Training.Rewards;

namespace Training.Tests;

/// <summary>DRaFT's gradient on the tiny reference models: it reaches only the LoRA, equals a hand-written truncated backward pass, and checkpointing does not change it.</summary>
public sealed class DraftObjectiveTests : IDisposable
{
    private const string Prompt = "a red circle";
    private const int Size = 16, Steps = 3;
    private const double Guidance = 3.0;

    private readonly StableDiffusionModel _sd;
    private readonly TextToImagePipeline _pipeline;
    private readonly LoraAdapter _adapter;
    private readonly LoadedRewards _loadedRewards;
    private RewardEnsemble Rewards => _loadedRewards.Ensemble;

    public DraftObjectiveTests()
    {
        _sd = StableDiffusionModel.Load(Shared.ReferenceModel("tiny-sd15")).Freeze();
        _pipeline = new TextToImagePipeline(_sd);
        var config = new LoraConfig { Rank = 2, Alpha = 4, Targets = new Dictionary<string, IReadOnlyList<string>> { [AdapterKeys.UNet] = LoraConfig.UNetAttention } };
        _adapter = _sd.Adapters.CreateTrainable("draft-test", config, new Generator(5));
        // B starts at zero, where A gets no gradient; a trained-looking B lets the checks see both.
        using var g = new Generator(6);
        using (Autograd.NoGrad())
            foreach (LoraLayer layer in _adapter.Layers.Values) layer.B.Normal_(0, 0.05, g);
        _loadedRewards = RewardSpec.Load([RewardSpec.Parse(Shared.ReferenceModel("tiny-clip-reward"))], Device.CPU, "draft");
    }

    public void Dispose()
    {
        _loadedRewards.Dispose();
        _adapter.Dispose();
        _sd.Dispose();
    }

    private static DraftSettings Settings(int k = 1, bool checkpointing = false, int lv = 0, double kl = 0) =>
        new() { SampleSteps = Steps, K = k, Guidance = Guidance, Size = Size, GradientCheckpointing = checkpointing, Lv = lv, KlWeight = kl };

    // Every LoRA gradient, flattened into one vector, after a fresh backward pass of `backward`.
    private Tensor Gradient(Action backward, LoraAdapter? adapter = null)
    {
        adapter ??= _adapter;
        using (Autograd.NoGrad())
            foreach (Tensor p in adapter.Parameters()) p.Grad = null;
        backward();
        Tensor[] grads = adapter.Parameters().Select(p => p.Grad ?? throw new InvalidOperationException("a LoRA tensor got no gradient")).ToArray();
        return torch.Cat(grads.Select(g => g.Flatten()).ToArray()).Clone();
    }

    private Tensor DraftGradient(DraftSettings settings, LoraAdapter? adapter = null) =>
        Gradient(() => DraftObjective.Backward(_pipeline, adapter ?? _adapter, Rewards, [Prompt], [3], settings, new Generator(9)), adapter);

    private static double RelativeDifference(Tensor a, Tensor b) => (a - b).Norm().ToDouble() / Math.Max(a.Norm().ToDouble(), 1e-30);

    [Fact]
    public void AStepChangesTheLoraAndNothingElse()
    {
        using var scope = torch.NewDisposeScope();
        var frozen = new Dictionary<string, float[]>();
        foreach ((string component, Torch.NN.Module module) in _sd.Adapters.Components)
            foreach ((string name, Tensor p) in module.StateDict())
                frozen[component + "." + name] = p.ToArray<float>();
        var clip = (ClipScoreReward)_loadedRewards.Models[0];
        foreach ((string name, Tensor p) in clip.Model.StateDict()) frozen["reward." + name] = p.ToArray<float>();
        var lora = _adapter.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ToArray<float>());

        var task = new DraftTask(_pipeline, _adapter, Rewards, Settings(), batch: 2, promptSeed: 1);
        using var optimizer = new SGD(task.TrainableParameters, lr: 0.1);
        optimizer.ZeroGrad();
        IReadOnlyDictionary<string, double> metrics = task.Step(0, new Random(4), new Generator(4));
        optimizer.Step();

        Assert.Equal("loss", metrics.Keys.First());
        Assert.True(double.IsFinite(metrics["loss"]) && Math.Abs(metrics["loss"] + metrics["reward"]) < 1e-9, $"loss {metrics["loss"]}, reward {metrics["reward"]}");
        foreach ((string key, Tensor value) in _adapter.StateDict())
            Assert.False(lora[key].AsSpan().SequenceEqual(value.ToArray<float>()), $"LoRA tensor {key} did not change");
        foreach ((string component, Torch.NN.Module module) in _sd.Adapters.Components)
            foreach ((string name, Tensor p) in module.StateDict())
            {
                Assert.True(frozen[component + "." + name].AsSpan().SequenceEqual(p.ToArray<float>()), $"base weight {component}.{name} changed");
                Assert.Null(p.Grad);
            }
        foreach ((string name, Tensor p) in clip.Model.StateDict())
            Assert.True(frozen["reward." + name].AsSpan().SequenceEqual(p.ToArray<float>()), $"reward weight {name} changed");
    }

    [Fact]
    public void KEqualsOneIsTheGradientOfTheLastStepAlone()
    {
        using var scope = torch.NewDisposeScope();
        Tensor draft = DraftGradient(Settings(k: 1));
        Tensor byHand = Gradient(() => HandWrittenLastStepBackward(_adapter));
        double difference = RelativeDifference(byHand, draft);
        Assert.True(draft.Norm().ToDouble() > 0, "no gradient");
        Assert.True(difference < 1e-5, $"DRaFT-1's gradient differs from the hand-written one by {difference:G3} (relative)");

        Tensor twoSteps = DraftGradient(Settings(k: 2));
        double k2 = RelativeDifference(draft, twoSteps);
        Assert.True(k2 > 1e-3, $"K = 2 gives the gradient of K = 1 (relative difference {k2:G3}): the second-to-last step adds nothing?");
    }

    // The diffusers loop written out: T − 1 Euler steps without grad, then the last one with grad from the detached
    // sample, decode, CLIP score, −score backward, all with the adapter applied (to the prompt's encoding too, with grad
    // in the last step, which is how a text-encoder LoRA gets its gradient).
    private void HandWrittenLastStepBackward(LoraAdapter adapter)
    {
        using var scope = torch.NewDisposeScope();
        var request = new TextToImageRequest(Prompt, [3], Size, Size, Steps, Guidance);
        IScheduler scheduler = _pipeline.NewScheduler();
        scheduler.SetTimesteps(Steps);
        Tensor Context()
        {
            PromptEmbeddings prompt = _sd.Prompts.EncodeWeighted(Prompt, null, guidance: true, differentiable: true);
            return torch.Cat([prompt.Unconditional!, prompt.Conditional]);
        }
        Tensor x = _pipeline.InitialLatents(request) * scheduler.InitNoiseSigma;
        Tensor Denoise(int i, Tensor sample, Tensor context)
        {
            double t = scheduler.Timesteps[i];
            Tensor output = _sd.UNet.Forward(scheduler.ScaleModelInput(torch.Cat([sample, sample]), t), torch.Scalar(t, scheduler.TimestepDType), context);
            Tensor[] parts = output.Chunk(2);
            return scheduler.Step(parts[0] + (parts[1] - parts[0]) * Guidance, t, sample).PrevSample;
        }
        using (_sd.Adapters.Activate(adapter, 1.0))
        {
            using (Autograd.NoGrad())
            {
                Tensor context = Context();
                for (int i = 0; i < Steps - 1; i++) x = Denoise(i, x, context);
            }
            using (Autograd.EnableGrad())
            {
                Tensor image = _pipeline.Decode(Denoise(Steps - 1, x.Detach(), Context())).Images;
                (-_loadedRewards.Models[0].Score(image, [Prompt]).Mean()).Backward();
            }
        }
    }

    [Fact]
    public void TextEncoderTargetsLearnThroughTheAdaptedPromptEncoding()
    {
        using var scope = torch.NewDisposeScope();
        using LoraAdapter adapter = TestAdapters.Random(_sd, "draft-text", TestAdapters.UNetAndText, rank: 2, alpha: 4, seed: 5, std: 0.05);

        Tensor draft = DraftGradient(Settings(k: 1), adapter);
        Tensor byHand = Gradient(() => HandWrittenLastStepBackward(adapter), adapter);
        double difference = RelativeDifference(byHand, draft);
        Assert.True(difference < 1e-5, $"DRaFT-1's gradient with text-encoder targets differs from the hand-written one by {difference:G3} (relative)");
        foreach ((string key, LoraLayer layer) in adapter.Layers.Where(l => AdapterKeys.IsTextEncoder(l.Key)))
            Assert.True(layer.A.Grad!.Abs().Max().ToDouble() > 0 && layer.B.Grad!.Abs().Max().ToDouble() > 0, $"text-encoder LoRA {key} got no gradient");

        // DRaFT-LV back-propagates once per re-noised copy: each needs its own prompt encoding.
        Tensor lv = DraftGradient(Settings(k: 1, lv: 2), adapter);
        Assert.True(lv.Norm().ToDouble() > 0, "DRaFT-LV gave no gradient with text-encoder targets");
    }

    [Theory]
    [InlineData(2, 0, 0.0)]
    [InlineData(2, 0, 0.5)] // with the KL term: base predictions at every grad step
    [InlineData(1, 2, 0.0)] // DRaFT-LV
    public void GradientCheckpointingGivesTheSameGradient(int k, int lv, double kl)
    {
        using var scope = torch.NewDisposeScope();
        Tensor plain = DraftGradient(Settings(k: k, lv: lv, kl: kl));
        Tensor checkpointed = DraftGradient(Settings(k: k, lv: lv, kl: kl, checkpointing: true));
        Assert.True(plain.Norm().ToDouble() > 0, "no gradient");
        double difference = RelativeDifference(plain, checkpointed);
        Assert.True(difference < 1e-5, $"checkpointed gradient differs by {difference:G3} (relative)");
    }

    [Fact]
    public void TheExpRewardScalesEachSamplesGradientByItsExponential()
    {
        using var scope = torch.NewDisposeScope();
        IReadOnlyDictionary<string, double> plainMetrics = new Dictionary<string, double>(), expMetrics = plainMetrics;
        Tensor plain = Gradient(() => plainMetrics = DraftObjective.Backward(_pipeline, _adapter, Rewards, [Prompt], [3], Settings(k: 2), new Generator(9)));
        Tensor exp = Gradient(() => expMetrics = DraftObjective.Backward(_pipeline, _adapter, Rewards, [Prompt], [3], Settings(k: 2) with { ExpReward = true }, new Generator(9)));

        double reward = plainMetrics["reward"];
        Assert.Equal(reward, expMetrics["reward"], 1e-4);
        Assert.Equal(Math.Exp(reward), expMetrics["exp_reward"], Math.Exp(reward) * 1e-5);
        Assert.Equal(-expMetrics["exp_reward"], expMetrics["loss"], Math.Exp(reward) * 1e-5);
        // One sample: ∇ exp(r) = exp(r) · ∇r.
        double difference = RelativeDifference(plain * Math.Exp(reward), exp);
        Assert.True(plain.Norm().ToDouble() > 0, "no gradient");
        Assert.True(difference < 1e-4, $"the exp objective's gradient is not exp(reward) × the plain one's (relative difference {difference:G3})");
    }

    [Fact]
    public void TheKlTermPullsTowardsTheBase()
    {
        using var scope = torch.NewDisposeScope();
        DraftSettings withKl = Settings(k: 2, kl: 1.0);
        IReadOnlyDictionary<string, double> metrics = DraftObjective.Backward(_pipeline, _adapter, Rewards, [Prompt], [3], withKl, new Generator(9));
        Assert.True(metrics["kl"] > 0, "the adapted model predicts what the base does although B ≠ 0");
        Assert.Equal(metrics["loss"], -metrics["reward"] + metrics["kl"], 1e-4);

        // With B = 0 the adapter is the base: no difference, no KL.
        using (Autograd.NoGrad())
            foreach (LoraLayer layer in _adapter.Layers.Values) layer.B.Zero_();
        Assert.Equal(0.0, DraftObjective.Backward(_pipeline, _adapter, Rewards, [Prompt], [3], withKl, new Generator(9))["kl"]);
    }

    [Fact]
    public void TheLoraPenaltyIsTheSquaredNormOfTheWeightDeltas()
    {
        using var scope = torch.NewDisposeScope();
        double expected = _adapter.Layers.Values.Sum(l =>
        {
            using Tensor delta = l.DeltaWeight();
            return delta.Square().Sum().ToDouble() * l.Scale * l.Scale;
        });
        using Tensor penalty = LoraDeltaPenalty.Compute(_adapter);
        Assert.Equal(expected, penalty.ToDouble(), expected * 1e-5);
        Tensor gradient = Gradient(() => LoraDeltaPenalty.Compute(_adapter).Backward());
        Assert.True(gradient.Norm().ToDouble() > 0);
    }
}
