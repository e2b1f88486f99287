using Align.Pipelines;
using Align.Rewards;
using Torch;

namespace Server.Models;

/// <summary>A loaded model ready to generate: its pipeline, device, defaults and the rewards scored on its images.</summary>
public sealed class ServedModel(ModelOptions options, StableDiffusionModel model, TextToImagePipeline pipeline, Device device,
    IReadOnlyList<IRewardModel> rewards, TimeSpan loadTime) : IDisposable
{
    public string Name => options.Name;
    public ModelOptions Options => options;
    public StableDiffusionModel Model => model;
    public TextToImagePipeline Pipeline => pipeline;
    public Device Device => device;
    public IReadOnlyList<IRewardModel> Rewards => rewards;
    public TimeSpan LoadTime => loadTime;

    /// <summary>Width and height when a request names none (the UNet's sample size times the VAE's factor).</summary>
    public int DefaultSize => model.DefaultSize;

    /// <summary>Width and height must be multiples of this.</summary>
    public int SizeMultiple => model.VaeScaleFactor;

    public void Dispose()
    {
        pipeline.Prompts?.Dispose();
        model.Dispose();
    }
}
