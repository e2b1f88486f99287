using Align.Pipelines;
using Torch;

namespace Align.Tests.Schedulers;

/// <summary>DPM-Solver++ keeps its previous x̂₀ between steps; a run disposes it with the scheduler, leaving no tensor behind.</summary>
[Collection(SerialCollection.Name)]
public class SchedulerMemoryTests
{
    [Fact]
    public void DpmSolverRunsAsARequestsSamplerAndLeavesNoTensorBehind()
    {
        using StableDiffusionModel sd = StableDiffusionModel.Load(Reference.Model("tiny-sd15"));
        var pipeline = new TextToImagePipeline(sd, new PromptCache(sd.Prompts, 8));
        var request = new TextToImageRequest("a red circle", [3, 4], 16, 16, 5, 3.0);
        using (pipeline.Generate(request)) { } // fills the prompt cache, whose entries live on
        long before = Tensor.LiveCount;
        using (var scope = torch.NewDisposeScope())
        {
            using GenerationResult own = pipeline.Generate(request), dpm = pipeline.Generate(request with { Scheduler = "dpmpp_2m_karras" });
            Assert.True((own.Images - dpm.Images).Abs().Max().ToDouble() > 1e-3, "DPM-Solver++ gave the Euler image");
            Assert.True(dpm.Images.IsFinite().All().ToBoolean(), "DPM-Solver++ gave non-finite pixels");
        }
        Assert.Equal(before, Tensor.LiveCount); // no GC here: what the finalizers would free is what disposal missed
    }
}
