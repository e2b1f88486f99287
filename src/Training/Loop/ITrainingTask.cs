using Torch;
using Torch.NN;

namespace Training.Loop;

/// <summary>One trainable stage: the module whose state is checkpointed, the parameters the optimizer updates, and one step's loss.</summary>
public interface ITrainingTask
{
    string Name { get; }

    /// <summary>Saved in checkpoints and restored on resume.</summary>
    Module Model { get; }

    IEnumerable<Tensor> TrainableParameters { get; }

    /// <summary>Computes the loss of batch <paramref name="step"/> (drawn from <paramref name="random"/>), back-propagates it, and returns the metrics to log (first one: the loss).</summary>
    IReadOnlyDictionary<string, double> Step(int step, Random random, Generator generator);
}
