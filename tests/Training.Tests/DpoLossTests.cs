using Align.Adapters;
using Align.Pipelines;
using Align.Schedulers;
using Torch;
using Torch.NN;
using Training.Dpo;
using Training.Loop;
using Training.Preferences;

namespace Training.Tests;

/// <summary>
/// The Diffusion-DPO loss on tiny models against a hand computation: the policy's and the reference's predictions are made
/// separately here (adapter applied / empty activation), and the formula written out, for the loss and its gradient.
/// </summary>
public class DpoLossTests
{
    private const double Beta = 200;

    private sealed record Inputs(Tensor Chosen, Tensor Rejected, Tensor Noise, long[] Timesteps, Tensor Context) : IDisposable
    {
        public void Dispose()
        {
            foreach (Tensor t in new[] { Chosen, Rejected, Noise, Context }) t.Dispose();
        }
    }

    private static Inputs MakeInputs(StableDiffusionModel model)
    {
        using var g = new Generator(5);
        int c = model.UNet.Config.InChannels, s = model.UNet.Config.SampleSize ?? 16;
        Tensor Randn() => torch.Randn([2, c, s, s], g).DetachFromDisposeScope();
        Tensor context;
        using (var scope = torch.NewDisposeScope())
        {
            using PromptEmbeddings a = model.Prompts.Encode("a red circle", null, guidance: false);
            using PromptEmbeddings b = model.Prompts.Encode("two blue squares", null, guidance: false);
            context = torch.Cat([a.Conditional, b.Conditional]).DetachFromDisposeScope();
        }
        return new Inputs(Randn(), Randn(), Randn(), [120, 870], context);
    }

    // Noises the latents by hand (q(x_t | x_0) of the model's schedule) and runs the UNet once per image set.
    // With prompts, the policy encodes them with the adapter applied (text-encoder targets); the reference keeps x.Context.
    // chosenWeight adds that multiple of the policy's mean error on the chosen images (RPO's likelihood term).
    private static (double Loss, Dictionary<Tensor, float[]> Grads) ByHand(StableDiffusionModel model, LoraAdapter adapter, Inputs x, string[]? prompts = null,
        double chosenWeight = 0)
    {
        IScheduler scheduler = SchedulerFactory.FromConfig(model.SchedulerConfigPath);
        using var scope = torch.NewDisposeScope();
        float[] a = x.Timesteps.Select(t => scheduler.AlphasCumprod[(int)t]).ToArray();
        Tensor sa = Tensor.FromArray(a.Select(v => MathF.Sqrt(v)).ToArray(), 2, 1, 1, 1);
        Tensor s1a = Tensor.FromArray(a.Select(v => MathF.Sqrt(1 - v)).ToArray(), 2, 1, 1, 1);
        Tensor Noisy(Tensor x0) => x0 * sa + x.Noise * s1a;
        Tensor Target(Tensor x0) => scheduler.PredictionType == PredictionType.VPrediction ? x.Noise * sa - x0 * s1a : x.Noise;
        Tensor t = Tensor.FromArray(x.Timesteps, 2);
        Tensor Error(Tensor pred, Tensor x0) => (pred - Target(x0)).Pow(2).Sum([1, 2, 3]) / (double)(pred.Size(1) * pred.Size(2) * pred.Size(3));

        Tensor refW, refL;
        using (model.Adapters.Activate([]))
        using (Autograd.NoGrad())
        {
            refW = Error(model.UNet.Forward(Noisy(x.Chosen), t, x.Context), x.Chosen);
            refL = Error(model.UNet.Forward(Noisy(x.Rejected), t, x.Context), x.Rejected);
        }
        using (model.Adapters.Activate(adapter))
        {
            Tensor context = prompts is null ? x.Context : torch.Cat(prompts.Select(p => model.Prompts.EncodeForTraining(p).Conditional).ToArray());
            Tensor modelW = Error(model.UNet.Forward(Noisy(x.Chosen), t, context), x.Chosen);
            Tensor modelL = Error(model.UNet.Forward(Noisy(x.Rejected), t, context), x.Rejected);
            Tensor logit = ((modelW - refW) - (modelL - refL)) * (-Beta / 2);
            Tensor loss = F.Softplus(logit.Neg()).Mean() + modelW.Mean() * chosenWeight; // −log σ(z) = softplus(−z)
            loss.Backward();
            return (loss.ToDouble(), Grads(adapter));
        }
    }

    private static Dictionary<Tensor, float[]> Grads(LoraAdapter adapter)
    {
        var grads = new Dictionary<Tensor, float[]>(ReferenceEqualityComparer.Instance);
        foreach (Tensor p in adapter.Parameters())
        {
            using Tensor? g = p.Grad;
            grads[p] = g is null ? new float[p.NumEl] : g.Contiguous().ToArray<float>();
            g?.Zero_();
        }
        return grads;
    }

    private static LoraAdapter RandomisedAdapter(StableDiffusionModel model, LoraConfig? config = null)
    {
        using var g = new Generator(9);
        LoraAdapter adapter = model.Adapters.CreateTrainable("dpo-test", config ?? new LoraConfig { Rank = 4 }, g, dtype: DType.Float32);
        using (Autograd.NoGrad())
            foreach (LoraLayer layer in adapter.Layers.Values)
                layer.B.Normal_(0, 0.05, g); // B = 0 would leave the policy equal to the reference
        return adapter;
    }

    [Theory]
    [InlineData("tiny-sd15", 0)]   // epsilon
    [InlineData("tiny-sd21-v", 0)] // v_prediction: the target is v = √ᾱ·ε − √(1−ᾱ)·x₀
    [InlineData("tiny-sd15", 50)]  // with the chosen images' denoising loss
    public void LossAndGradientMatchTheFormula(string name, double chosenWeight)
    {
        using StableDiffusionModel model = StableDiffusionModel.Load(TestFiles.ReferenceModel(name)).Freeze();
        using LoraAdapter adapter = RandomisedAdapter(model);
        using Inputs x = MakeInputs(model);
        (double expected, Dictionary<Tensor, float[]> expectedGrads) = ByHand(model, adapter, x, chosenWeight: chosenWeight);
        Assert.True(Math.Abs(expected - Math.Log(2)) > 1e-4, $"the hand loss {expected} is log 2: the adapter changed nothing, the test would prove little");
        if (chosenWeight > 0)
        {
            (double dpoAlone, _) = ByHand(model, adapter, x);
            Assert.True(Math.Abs(expected - dpoAlone) > 1e-3, $"the chosen term adds {expected - dpoAlone:G3}: too little for the test to tell");
        }

        var dpo = new DiffusionDpo(model, adapter, Beta, chosenWeight);
        double actual;
        using (var scope = torch.NewDisposeScope())
            actual = dpo.Loss(x.Chosen, x.Rejected, x.Noise, x.Timesteps, x.Context).Loss.ToDouble();
        Dictionary<Tensor, float[]> actualGrads = Grads(adapter);

        Assert.Equal(expected, actual, 5);
        double scale = expectedGrads.Values.SelectMany(v => v).Max(v => Math.Abs(v));
        Assert.True(scale > 0, "no gradient reached the adapter");
        foreach ((Tensor p, float[] e) in expectedGrads)
        {
            float[] got = actualGrads[p];
            double worst = e.Zip(got, (u, v) => Math.Abs(u - v)).Max();
            Assert.True(worst <= 1e-4 * scale, $"gradient differs by {worst:G3} (largest gradient {scale:G3})");
        }
    }

    [Fact]
    public void TextEncoderTargetsLearnThroughThePolicysOwnPromptEncoding()
    {
        using StableDiffusionModel model = StableDiffusionModel.Load(TestFiles.ReferenceModel("tiny-sd15")).Freeze();
        var config = new LoraConfig
        {
            Rank = 4,
            Targets = new Dictionary<string, IReadOnlyList<string>> { [AdapterKeys.UNet] = LoraConfig.UNetAttention, [AdapterKeys.TextEncoder] = LoraConfig.TextEncoderAttention },
        };
        using LoraAdapter adapter = RandomisedAdapter(model, config);
        using Inputs x = MakeInputs(model);
        string[] prompts = ["a red circle", "two blue squares"];
        (double expected, Dictionary<Tensor, float[]> expectedGrads) = ByHand(model, adapter, x, prompts);

        var dpo = new DiffusionDpo(model, adapter, Beta);
        double actual;
        using (var scope = torch.NewDisposeScope())
        {
            var e = Assert.Throws<ArgumentException>(() => dpo.Loss(x.Chosen, x.Rejected, x.Noise, x.Timesteps, x.Context));
            Assert.Contains("targets the text encoders", e.Message);
            actual = dpo.Loss(x.Chosen, x.Rejected, x.Noise, x.Timesteps, x.Context, prompts: prompts).Loss.ToDouble();
        }
        Dictionary<Tensor, float[]> actualGrads = Grads(adapter);

        Assert.Equal(expected, actual, 5);
        double scale = expectedGrads.Values.SelectMany(v => v).Max(v => Math.Abs(v));
        foreach ((string key, LoraLayer layer) in adapter.Layers.Where(l => l.Key.StartsWith(AdapterKeys.TextEncoder + ".", StringComparison.Ordinal)))
            Assert.True(actualGrads[layer.B].Any(v => v != 0), $"{key}: no gradient reached the text encoder's LoRA");
        foreach ((Tensor p, float[] e) in expectedGrads)
        {
            double worst = e.Zip(actualGrads[p], (u, v) => Math.Abs(u - v)).Max();
            Assert.True(worst <= 1e-4 * scale, $"gradient differs by {worst:G3} (largest gradient {scale:G3})");
        }
    }

    [Fact]
    public void ZeroInitialisedAdapterStartsAtLogTwo()
    {
        using StableDiffusionModel model = StableDiffusionModel.Load(TestFiles.ReferenceModel("tiny-sd15")).Freeze();
        using var g = new Generator(1);
        using LoraAdapter adapter = model.Adapters.CreateTrainable("fresh", new LoraConfig { Rank = 4 }, g, dtype: DType.Float32);
        using Inputs x = MakeInputs(model);
        using var scope = torch.NewDisposeScope();
        DpoLossResult r = new DiffusionDpo(model, adapter, 5000).Loss(x.Chosen, x.Rejected, x.Noise, x.Timesteps, x.Context);
        Assert.Equal((float)Math.Log(2), (float)r.Loss.ToDouble());
        Assert.Equal(r.RefDiff, r.ModelDiff);
        Assert.Equal(0, r.RewardMargin);
        Assert.Equal(0, r.ImplicitAccuracy);
        // With B = 0 only B has a gradient (∂/∂A passes through B); the loss still moves the adapter.
        Dictionary<Tensor, float[]> grads = Grads(adapter);
        Assert.All(adapter.Layers.Values, l => Assert.All(grads[l.A], v => Assert.Equal(0f, v)));
        Assert.Contains(adapter.Layers.Values, l => grads[l.B].Any(v => v != 0));
    }

    [Fact]
    public void TrainingStepsChangeOnlyTheAdapter()
    {
        string dir = Directory.CreateTempSubdirectory("dpo-step").FullName;
        try
        {
            using StableDiffusionModel model = StableDiffusionModel.Load(TestFiles.ReferenceModel("tiny-sd15")).Freeze();
            string manifest = TestFiles.WriteRenderedManifest(dir, 3); // 64×64 scenes, resized to the tiny model's resolution
            Dictionary<string, float[]> before = Snapshot(model);
            using var g = new Generator(2);
            using LoraAdapter adapter = model.Adapters.CreateTrainable("dpo-step", new LoraConfig { Rank = 4 }, g, dtype: DType.Float32);
            float[][] loraBefore = adapter.Parameters().Select(p => p.Contiguous().ToArray<float>()).ToArray();
            using var data = new PreferenceData(model, PairManifest.ReadMany([manifest]));
            Assert.Equal(model.DefaultSize, data.Resolution);
            var task = new DpoTask(new DiffusionDpo(model, adapter, 5000), data, adapter, batch: 2, dropPrompt: 0.5);
            TrainingReport report = TrainingLoop.Run(task, new TrainingOptions(Path.Combine(dir, "train"), 2, 1e-2, 3, WarmupSteps: 1), new LineProgress(TextWriter.Null));

            Assert.Equal(2, report.StepsDone);
            Assert.All(report.Metrics, m => Assert.True(double.IsFinite(m["loss"])));
            Dictionary<string, float[]> after = Snapshot(model);
            Assert.Equal(before.Keys, after.Keys);
            foreach ((string key, float[] values) in before) Assert.True(values.AsSpan().SequenceEqual(after[key]), $"base tensor {key} changed");
            float[][] loraAfter = adapter.Parameters().Select(p => p.Contiguous().ToArray<float>()).ToArray();
            Assert.Contains(Enumerable.Range(0, loraAfter.Length), i => !loraBefore[i].AsSpan().SequenceEqual(loraAfter[i]));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    // Every weight and buffer of every component, as floats.
    private static Dictionary<string, float[]> Snapshot(StableDiffusionModel model)
    {
        var all = new Dictionary<string, float[]>();
        foreach ((string component, Module module) in new (string, Module)[] { ("unet", model.UNet), ("vae", model.Vae), ("text_encoder", model.Text[0].Encoder) })
            foreach ((string key, Tensor t) in module.StateDict())
                using (t)
                    all[$"{component}.{key}"] = t.To(DType.Float32).Contiguous().ToArray<float>();
        return all;
    }
}
