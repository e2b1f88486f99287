using Align.ShapeWorld;
using Torch;

namespace Training.Pretraining;

/// <summary>
/// Rendered ShapeWorld training scenes with one caption phrasing each, from the train split of the prompt suites (or from
/// both splits: a reward model that judges every attribute combination the generator may be asked for), of every category
/// or of the <paramref name="categories"/> given.
/// </summary>
public sealed class ShapeWorldSource(int imageSize = 64, int seed = 0, Split split = Split.Train, bool bothSplits = false,
    IReadOnlyList<Category>? categories = null) : IHardNegativeSource
{
    public int ImageSize => imageSize;

    public (Tensor Images, string[] Captions) Sample(int batch, Random random)
    {
        (Tensor images, string[] captions, _) = Draw(batch, random, negatives: false);
        return (images, captions);
    }

    /// <summary>Each negative is a phrasing of a one-attribute change of the caption that the scene fails (<see cref="SpecPerturbation.Contradict"/>).</summary>
    public (Tensor Images, string[] Captions, string[] Negatives) SampleWithNegatives(int batch, Random random) => Draw(batch, random, negatives: true);

    public (Tensor Images, string[] Captions) SampleTwins(int pairs, Random random)
    {
        using var scope = torch.NewDisposeScope();
        var images = new Tensor[2 * pairs];
        var captions = new string[2 * pairs];
        for (int i = 0; i < pairs; i++)
        {
            while (true)
            {
                Split from = bothSplits ? (random.Next(2) == 0 ? Split.Train : Split.Eval) : split;
                CaptionedScene example = Example(from, random);
                if (SpecPerturbation.Contradict(example.Prompt.Spec, example.Scene, random) is not { } wrong) continue;
                Scene twin = SceneSampler.Sample(wrong, random);
                // the twin must fail the first caption too (a distractor object could satisfy it)
                if (SpecChecker.Check(example.Prompt.Spec, Detection.FromScene(twin)).Passed) continue;
                images[i] = SceneRenderer.Render(example.Scene, imageSize).ToTensor();
                captions[i] = example.Prompt.Text;
                images[pairs + i] = SceneRenderer.Render(twin, imageSize).ToTensor();
                captions[pairs + i] = CaptionGrammar.Phrase(wrong, random);
                break;
            }
        }
        return (torch.Stack(images).MoveToOuterScope(), captions);
    }

    private (Tensor Images, string[] Captions, string[] Negatives) Draw(int batch, Random random, bool negatives)
    {
        using var scope = torch.NewDisposeScope();
        var images = new Tensor[batch];
        var captions = new string[batch];
        var wrongs = new string?[batch];
        for (int i = 0; i < batch; i++)
        {
            Split from = bothSplits ? (random.Next(2) == 0 ? Split.Train : Split.Eval) : split;
            CaptionedScene example = Example(from, random);
            images[i] = SceneRenderer.Render(example.Scene, imageSize).ToTensor();
            captions[i] = example.Prompt.Text;
            if (negatives && SpecPerturbation.Contradict(example.Prompt.Spec, example.Scene, random) is { } wrong)
                wrongs[i] = CaptionGrammar.Phrase(wrong, random);
        }
        // a scene every perturbation happens to satisfy (rare) takes another example's caption as its negative
        for (int i = 0; i < batch; i++) wrongs[i] ??= captions[(i + 1) % batch];
        return (torch.Stack(images).MoveToOuterScope(), captions, wrongs.Select(w => w!).ToArray());
    }

    private CaptionedScene Example(Split from, Random random) =>
        CaptionedScenes.Generate(from, seed, random.Next(), categories is { Count: > 0 } ? categories[random.Next(categories.Count)] : null);
}
