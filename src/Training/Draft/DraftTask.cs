using Align.Adapters;
using Align.Pipelines;
using Align.Rewards;
using Align.ShapeWorld;
using Torch;
using Torch.NN;
using Training.Loop;

namespace Training.Draft;

/// <summary>
/// DRaFT as a training-loop task: each step draws <paramref name="batch"/> prompts of the ShapeWorld train split (never
/// the evaluation split) and a seed per image from the step's random stream, and back-propagates
/// <see cref="DraftObjective"/> into the adapter, whose tensors are all the loop checkpoints and trains.
/// </summary>
/// <param name="promptSeed">the seed of the ShapeWorld example stream the prompts come from</param>
public sealed class DraftTask(TextToImagePipeline pipeline, LoraAdapter adapter, RewardEnsemble rewards, DraftSettings settings, int batch, int promptSeed)
    : ITrainingTask
{
    public string Name => "draft";
    public Module Model => adapter.Module;
    public IEnumerable<Tensor> TrainableParameters => adapter.Parameters();

    public IReadOnlyDictionary<string, double> Step(int step, Random random, Generator generator)
    {
        string[] prompts = TrainPrompts(batch, random, promptSeed);
        long[] seeds = prompts.Select(_ => (long)random.Next()).ToArray();
        return DraftObjective.Backward(pipeline, adapter, rewards, prompts, seeds, settings, generator);
    }

    /// <summary><paramref name="count"/> captions of train-split ShapeWorld examples (category, spec and phrasing drawn per example).</summary>
    public static string[] TrainPrompts(int count, Random random, int promptSeed) =>
        Enumerable.Range(0, count).Select(_ => CaptionedScenes.Generate(Split.Train, promptSeed, random.Next()).Prompt.Text).ToArray();
}
