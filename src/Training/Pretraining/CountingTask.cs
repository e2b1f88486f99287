using Align.Rewards;
using Torch;
using Torch.NN;
using Training.Loop;

namespace Training.Pretraining;

/// <summary>
/// Trains a <see cref="CountHead"/> by density-map regression (Lempitsky and Zisserman 2010): each step draws
/// <paramref name="rendered"/> rendered and <paramref name="generated"/> generated images (<see cref="CountingData"/>); the
/// loss is the squared error of every class's count, summed over classes, plus <paramref name="densityWeight"/> times the
/// squared error of the density maps against a Gaussian per object (where each object is, so a count is made of the
/// objects' own evidence rather than of the scene's texture).
/// </summary>
public sealed class CountingTask(CountHead head, CountingData data, int rendered, int generated, double densityWeight = 1000.0) : ITrainingTask
{
    public string Name => "count";
    public Module Model => head;
    public IEnumerable<Tensor> TrainableParameters => head.Parameters();

    public IReadOnlyDictionary<string, double> Step(int step, Random random, Generator generator)
    {
        IReadOnlyList<CountedImage> batch = data.Sample(rendered, generated, random);
        Tensor images = data.Images(batch);
        Tensor densities = head.Densities(images);
        (Tensor counts, Tensor target) = CountingData.Targets(batch, (int)densities.Size(2));
        Tensor counted = densities.Sum([2, 3]);
        Tensor countLoss = (counted - counts).Square().Sum(1).Mean();
        Tensor densityLoss = (densities - target).Square().Sum([1, 2, 3]).Mean();
        Tensor loss = countLoss + densityLoss * densityWeight;
        loss.Backward();
        return new Dictionary<string, double>
        {
            ["loss"] = loss.ToDouble(),
            ["count_loss"] = countLoss.ToDouble(),
            ["density_loss"] = densityLoss.ToDouble(),
            ["exact"] = CountingMetrics.Exact(counted, counts),
        };
    }
}
