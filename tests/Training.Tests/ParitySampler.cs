using Align.Pipelines;
using Align.ShapeWorld;
using Torch;
using Training.Evaluation;

namespace Training.Tests;

/// <summary>A sampling method that ignores the model: a scene of the prompt (read in <paramref name="category"/>) for even seeds, a blank canvas for odd ones.</summary>
internal sealed class ParitySampler(Category category) : EvalMethod
{
    /// <summary>What odd seeds get: a white 64×64 canvas, which fails every prompt.</summary>
    public static RgbImage Blank { get; } = RgbImage.FromBytes(Enumerable.Repeat((byte)255, 64 * 64 * 3).ToArray(), 64, 64);

    /// <summary>The seeds of each call, in order.</summary>
    public List<long[]> Calls { get; } = [];

    public override string Name => "parity";

    public override Tensor Generate(TextToImagePipeline pipeline, TextToImageRequest request)
    {
        Calls.Add(request.Seeds.ToArray());
        Spec spec = CaptionParser.Parse(request.Prompt, category);
        return torch.Stack(request.Seeds.Select(seed => (seed % 2 == 0 ? SceneRenderer.Render(SceneSampler.Sample(spec, (int)seed), 64) : Blank).ToTensor()).ToArray());
    }
}
