using Align.Pipelines;
using Torch;

namespace Align.Tests.Models;

/// <summary>A run driven step by step (split into ranges, a step repeated out of order) gives what the whole pipeline gives.</summary>
public class DenoisingRunTests
{
    [Theory]
    [InlineData("tiny-sd15")] // Euler: the scheduler keeps a step index
    [InlineData("tiny-sdxl")] // added conditions
    public void RangesAndRepeatedStepsMatchTheWholeRun(string model)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = Autograd.NoGrad();
        using StableDiffusionModel sd = StableDiffusionModel.Load(Reference.Model(model));
        var pipeline = new TextToImagePipeline(sd);
        var requests = new[] { new TextToImageRequest("a red circle", [3], 32, 32, 4, 3.0), new TextToImageRequest("a blue square", [4], 32, 32, 4, 3.0) };
        using GenerationResult whole = pipeline.Generate(requests);

        using DenoisingRun run = pipeline.Prepare(requests);
        Assert.Equal(whole.Timesteps, run.Timesteps);
        Tensor start = run.StartLatents();
        Tensor middle = run.Run(0, 2, start);
        Tensor end = run.Run(2, 4, middle);
        Reference.AssertClose(whole.Images, pipeline.Decode(end).Images, "steps 0..2 then 2..4", rtol: 1e-6);

        // Back to step 2 after the run went past it: the scheduler is positioned again, so the same latents come out.
        Tensor again = run.Run(2, 4, middle);
        Reference.AssertClose(end, again, "steps 2..4 run a second time", rtol: 1e-6);
        using DenoisingStep last = run.Step(3, run.Run(2, 3, middle));
        Reference.AssertClose(end, last.Next, "the last step alone", rtol: 1e-6);
        Reference.AssertClose(last.Noise, run.PredictNoise(3, run.Run(2, 3, middle)), "the guided prediction without stepping", rtol: 1e-6);
    }

    [Fact]
    public void AddNoiseGivesTheInputTheStepExpects()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = Autograd.NoGrad();
        using StableDiffusionModel sd = StableDiffusionModel.Load(Reference.Model("tiny-sd15"));
        var pipeline = new TextToImagePipeline(sd);
        using DenoisingRun run = pipeline.Prepare([new TextToImageRequest("a red circle", [3], 32, 32, 4, 3.0)]);
        using var g = new Generator(2);
        Tensor x0 = torch.Randn([1, 4, 4, 4], g), noise = torch.Randn([1, 4, 4, 4], g);
        // Euler: x₀ + σᵢ·ε, with σᵢ the sigma of step i
        double sigma = run.Scheduler.Sigmas![3];
        Reference.AssertClose(x0 + noise * sigma, run.AddNoise(x0, noise, 3), "noised to the last step", rtol: 1e-6);
        Assert.True(sigma > 0);
    }
}
