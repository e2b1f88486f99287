using Align.Adapters;
using Torch;
using Torch.NN;
using Training.Loop;

namespace Training.Dpo;

/// <summary>
/// Diffusion-DPO as a training task: each step draws <paramref name="batch"/> pairs, one timestep (uniform over the training
/// schedule, or over <paramref name="timesteps"/> of it) and one noise per pair shared by its two images, optionally drops a
/// pair's prompt to the empty one (for classifier-free guidance), and back-propagates the DPO loss into the adapter.
/// Checkpoints hold the adapter alone.
/// </summary>
/// <param name="timesteps">
/// the training timesteps drawn from, [First, End); null: the whole schedule. A window of high timesteps trains only where
/// the image's layout is still being decided, the part of the trajectory a compositional preference is about (SPO,
/// Liang et al. 2024, argues for judging preferences per step for the same reason)
/// </param>
public sealed class DpoTask(DiffusionDpo dpo, PreferenceData data, LoraAdapter adapter, int batch, double dropPrompt = 0,
    TimestepWindow? timesteps = null) : ITrainingTask
{
    /// <summary>The window the training timesteps are drawn from.</summary>
    public TimestepWindow Timesteps { get; } = timesteps ?? new TimestepWindow(0, dpo.NumTrainTimesteps);

    public string Name => "dpo";
    public Module Model => adapter.Module;
    public IEnumerable<Tensor> TrainableParameters => adapter.Parameters();

    public IReadOnlyDictionary<string, double> Step(int step, Random random, Generator generator)
    {
        int[] pairs = Enumerable.Range(0, batch).Select(_ => random.Next(data.Count)).ToArray();
        bool[] dropped = pairs.Select(_ => dropPrompt > 0 && random.NextDouble() < dropPrompt).ToArray();
        long[] timesteps = pairs.Select(_ => Timesteps.Draw(random)).ToArray();
        (Tensor chosen, Tensor rejected, Tensor context, var added) = data.Batch(pairs, generator, dropped);
        Tensor noise = torch.Randn(chosen.Shape, generator);
        string[] prompts = pairs.Select((pair, k) => dropped[k] ? "" : data.Pairs[pair].Prompt).ToArray();
        return dpo.Loss(chosen, rejected, noise, timesteps, context, added, prompts: prompts).Metrics;
    }
}
