using Align.Adapters;
using Align.Pipelines;
using Align.Rewards;
using Torch;

namespace Training.Draft;

/// <summary>
/// One DRaFT gradient (Clark et al. 2024, "Directly Fine-Tuning Diffusion Models on Differentiable Rewards"): sample with
/// the adapted model from seeded noise, the first T − K steps without grad; detach the sample there (the truncation: no
/// gradient reaches the earlier steps) and run the last K steps with grad, decode, score, and back-propagate
/// loss = −mean Σ wᵢ·rewardᵢ (or −mean exp Σ wᵢ·rewardᵢ, <see cref="DraftSettings.ExpReward"/>) into the adapter's A and B.
/// DRaFT-LV instead runs all T steps without grad, re-noises the finished sample to the last timestep n times and
/// denoises each once with grad, averaging the loss over the n.
/// Regularisers: the mean squared difference between the adapted and the base model's guided noise predictions at the
/// grad steps (a KL between their Gaussian transitions up to a factor), and an L2 penalty on the LoRA's weight deltas.
/// An adapter on the text encoders samples with its own prompt encoding and learns through it: the grad steps encode the
/// prompts with grad, so the reward's gradient reaches the text encoders' LoRA through the UNet's cross-attention.
/// </summary>
public static class DraftObjective
{
    /// <param name="prompts">one image per prompt</param>
    /// <param name="seeds">the initial noise of each image</param>
    /// <param name="noise">DRaFT-LV's re-noising draws</param>
    /// <returns>the step's metrics, the loss first: loss, reward (mean weighted total), exp_reward (its exponential's mean, with <see cref="DraftSettings.ExpReward"/>), each reward's mean score when there are several, kl, lora_l2</returns>
    public static IReadOnlyDictionary<string, double> Backward(TextToImagePipeline pipeline, LoraAdapter adapter, RewardEnsemble rewards,
        IReadOnlyList<string> prompts, IReadOnlyList<long> seeds, DraftSettings s, Generator noise)
    {
        s.Validate();
        rewards.RequireDifferentiable("DRaFT");
        if (prompts.Count != seeds.Count || prompts.Count == 0) throw new ArgumentException($"{prompts.Count} prompts and {seeds.Count} seeds: give one seed per prompt");
        StableDiffusionModel model = pipeline.Model;
        int size = s.Size ?? model.DefaultSize;
        var requests = prompts.Select((p, j) => new TextToImageRequest(p, [seeds[j]], size, size, s.SampleSteps, s.Guidance)).ToArray();

        using var scope = torch.NewDisposeScope();
        // The prompts encoded by the base text encoders. An adapter that changes the text encoders samples with its own
        // encoding instead (afresh: its weights change every step), and its grad steps encode once more with grad.
        bool textTargets = adapter.TouchesTextEncoders;
        using DenoisingRun run = pipeline.Prepare(requests);
        using DenoisingRun? adaptedRun = textTargets ? PrepareAdapted(pipeline, adapter, requests) : null;
        DenoisingRun sampling = adaptedRun ?? run;
        int steps = run.Steps, first = s.FirstGradStep;

        // Without grad, adapter on: where the grad steps start (one start, or DRaFT-LV's n re-noised copies), and for the
        // KL term the input of every grad step.
        Tensor[] starts;
        List<Tensor>[]? inputs = null;
        using (model.Adapters.Activate(adapter, 1.0))
        using (Autograd.NoGrad())
        {
            Tensor x = sampling.StartLatents();
            if (s.Lv > 0)
            {
                Tensor finished = sampling.Run(0, steps, x);
                starts = Enumerable.Range(0, s.Lv)
                    .Select(_ => sampling.AddNoise(finished, torch.Randn(finished.Shape, noise).To(finished.Device), first)).ToArray();
            }
            else starts = [sampling.Run(0, first, x)];
            if (s.KlWeight > 0) inputs = starts.Select(start => GradStepInputs(sampling, start, first)).ToArray();
        }

        // Without grad, adapters off: the base model's predictions at those inputs.
        Tensor[][]? baseNoise = null;
        if (inputs is not null)
            using (model.Adapters.Activate([]))
            using (Autograd.NoGrad())
                baseNoise = inputs.Select(list => list.Select((x, k) => run.PredictNoise(first + k, x)).ToArray()).ToArray();

        // With grad, adapter on: the last steps, the decoder and the rewards; backward inside the adapter's scope.
        var totals = new Accumulator();
        using (model.Adapters.Activate(adapter, 1.0))
        using (Autograd.EnableGrad())
        {
            for (int c = 0; c < starts.Length; c++)
            {
                using var copyScope = torch.NewDisposeScope();
                // Each backward frees the graph it ran through, the prompt encoding's included: one encoding per copy.
                using DenoisingRun? gradRun = textTargets ? pipeline.Prepare(requests, differentiablePrompts: true) : null;
                DenoisingRun grad = gradRun ?? run;
                // A new leaf: nothing flows into the steps before. It requires grad under checkpointing only because a
                // checkpointed call back-propagates (into the LoRA too) only when one of its inputs requires grad.
                Tensor x = starts[c].Detach().RequiresGrad_(s.GradientCheckpointing);
                Tensor? kl = null;
                for (int i = first; i < steps; i++)
                {
                    DenoisingStep step = grad.Step(i, x, s.GradientCheckpointing);
                    if (baseNoise is not null)
                    {
                        Tensor d = F.MseLoss(step.Noise, baseNoise[c][i - first]);
                        kl = kl is null ? d : kl + d;
                    }
                    x = step.Next;
                }
                kl = kl is null ? null : kl / (steps - first);
                Tensor images = pipeline.Decode(x).Images;
                (Tensor total, IReadOnlyDictionary<string, Tensor> each) = rewards.ScoreAll(images, prompts);
                Tensor objective = s.ExpReward ? total.Exp() : total;
                Tensor loss = -objective.Mean();
                if (kl is not null) loss = loss + kl * s.KlWeight;
                loss = loss / starts.Length;
                double? l2 = null;
                if (c == 0 && s.LoraDecay > 0)
                {
                    Tensor penalty = LoraDeltaPenalty.Compute(adapter);
                    loss = loss + penalty * s.LoraDecay;
                    l2 = penalty.ToDouble();
                }
                loss.Backward();
                totals.Add("loss", loss.ToDouble());
                totals.Add("reward", total.Detach().Mean().ToDouble() / starts.Length);
                if (s.ExpReward) totals.Add("exp_reward", objective.Detach().Mean().ToDouble() / starts.Length);
                if (rewards.Members.Count > 1)
                    foreach ((string name, Tensor score) in each) totals.Add("reward_" + name, score.Detach().Mean().ToDouble() / starts.Length);
                if (kl is not null) totals.Add("kl", kl.ToDouble() / starts.Length);
                if (s.LoraDecay > 0) totals.Add("lora_l2", l2 ?? 0);
                foreach (Tensor t in each.Values) t.Dispose();
            }
        }
        return totals.Values;
    }

    // The requests' conditioning as the adapted text encoders give it, without grad.
    private static DenoisingRun PrepareAdapted(TextToImagePipeline pipeline, LoraAdapter adapter, IReadOnlyList<TextToImageRequest> requests)
    {
        using var activation = pipeline.Model.Adapters.Activate(adapter, 1.0);
        using var noGrad = Autograd.NoGrad();
        return pipeline.Prepare(requests, differentiablePrompts: true);
    }

    // The input of each grad step from `start`, running the steps (without grad) to find them.
    private static List<Tensor> GradStepInputs(DenoisingRun run, Tensor start, int first)
    {
        var list = new List<Tensor> { start };
        for (int i = first; i < run.Steps - 1; i++) list.Add(run.Step(i, list[^1]).Next);
        return list;
    }

    // Sums by name, keeping the order names first appear in.
    private sealed class Accumulator
    {
        private readonly Dictionary<string, double> _values = [];
        public IReadOnlyDictionary<string, double> Values => _values;
        public void Add(string name, double value) => _values[name] = _values.GetValueOrDefault(name) + value;
    }
}
