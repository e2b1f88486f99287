using Align.Alignment;
using Align.Pipelines;
using Align.Rewards;
using Torch;

namespace Align.Tests.Alignment;

public class BestOfNTests
{
    /// <summary>A black-box reward: the image's mean brightness (not differentiable on purpose).</summary>
    private sealed class Brightness : IRewardModel
    {
        public string Name => "brightness";
        public bool IsDifferentiable => false;
        public Tensor Score(Tensor images, IReadOnlyList<string> prompts) => images.Detach().Mean([1, 2, 3]);
        public void Dispose() { }
    }

    [Fact]
    public void ReturnsTheTopKByRewardBestFirstAcrossBatches()
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = StableDiffusionModel.Load(Reference.Model("tiny-sd15"));
        var pipeline = new TextToImagePipeline(sd);
        var request = new TextToImageRequest("a red circle", [10, 11, 12, 13, 14, 15, 16], 16, 16, 2, 3.0);
        var progress = new List<BestOfNProgress>();
        using BestOfNResult result = BestOfN.Run(pipeline, request, new RewardEnsemble([new WeightedReward(new Brightness(), 1.0)]), topK: 3, batchSize: 3,
            onCandidates: progress.Add);
        Assert.Equal([3, 6, 7], progress.Select(p => p.Done));
        // each batch's progress carries that batch's candidates, and the best total so far
        Assert.Equal([3, 3, 1], progress.Select(p => p.Scored.Count));
        Assert.Equal(result.Candidates, progress.SelectMany(p => p.Scored));
        Assert.Equal(result.Candidates.Max(c => c.Total), progress[^1].Best);
        Assert.Equal(7, result.Candidates.Count);
        int[] expected = result.Candidates.OrderByDescending(c => c.Total).Take(3).Select(c => c.Index).ToArray();
        Assert.Equal(expected, result.Selected);
        Assert.Equal(request.Seeds, result.Candidates.Select(c => c.Seed));
        // the returned images are those candidates', regenerated alone from their seeds
        for (int k = 0; k < 3; k++)
        {
            using GenerationResult alone = pipeline.Generate(request with { Seeds = [result.Candidates[result.Selected[k]].Seed] });
            Reference.AssertClose(alone.Images, result.Images[k..(k + 1)], $"selected image {k}", rtol: 1e-4, atol: 1e-5);
            Assert.Equal(alone.Images.Mean().ToDouble(), result.Candidates[result.Selected[k]].Total, 4);
        }
    }
}
