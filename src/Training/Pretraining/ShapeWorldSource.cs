using Align.ShapeWorld;
using Torch;

namespace Training.Pretraining;

/// <summary>Rendered ShapeWorld training scenes with one caption phrasing each, from the train split of the prompt suites.</summary>
public sealed class ShapeWorldSource(int imageSize = 64, int seed = 0, Split split = Split.Train) : IImageCaptionSource
{
    public int ImageSize => imageSize;

    public (Tensor Images, string[] Captions) Sample(int batch, Random random)
    {
        using var scope = torch.NewDisposeScope();
        var images = new Tensor[batch];
        var captions = new string[batch];
        for (int i = 0; i < batch; i++)
        {
            CaptionedScene example = CaptionedScenes.Generate(split, seed, random.Next());
            images[i] = SceneRenderer.Render(example.Scene, imageSize).ToTensor();
            captions[i] = example.Prompt.Text;
        }
        return (torch.Stack(images).MoveToOuterScope(), captions);
    }
}
