using Align.ShapeWorld;
using Torch;

namespace Align.Rewards;

/// <summary>
/// A learned counting reward for ShapeWorld prompts: a <see cref="CountHead"/> counts the objects of each shape × colour,
/// and each term of the prompt that asks for a number (2–4: "three red circles") scores −(ĉ − n)², ĉ the counted objects
/// the term matches (every colour of the shape when it names none). A prompt that asks for no number scores 0, whatever
/// the image: the reward adds nothing, not even a gradient, where it has nothing to say. NaN when the prompt is not a
/// ShapeWorld caption. Differentiable in the images.
/// <para>Directory layout: <c>count_head/</c> holding <c>config.json</c> (<see cref="CountConfig"/>) and <c>model.safetensors</c>.</para>
/// </summary>
public sealed class CountReward(CountHead head, string name = "count") : IRewardModel
{
    public const string HeadDirectory = "count_head";

    public CountHead Head => head;
    public string Name => name;
    public bool IsDifferentiable => true;
    public IReadOnlyList<Torch.NN.Module> Modules => [head];

    public static CountReward FromPretrained(string directory, string name = "count") =>
        new(CountHead.FromPretrained(Path.Combine(directory, HeadDirectory)), name);

    public void SavePretrained(string directory) => head.SavePretrained(Path.Combine(directory, HeadDirectory));

    /// <returns>[B] −Σ over the prompt's counted terms of (ĉ − n)²</returns>
    public Tensor Score(Tensor images, IReadOnlyList<string> prompts)
    {
        if (images.Size(0) != prompts.Count) throw new ArgumentException($"{images.Size(0)} images but {prompts.Count} prompts", nameof(prompts));
        using var scope = torch.NewDisposeScope();
        Spec?[] specs = prompts.Select(p => CaptionParser.TryParse(p, out _)).ToArray();
        var counted = specs.Select(s => s?.Terms.Where(t => t.Count >= Vocabulary.MinCount).ToArray() ?? []).ToArray();
        // the head runs only on images whose prompt asks for a number
        int[] asking = Enumerable.Range(0, specs.Length).Where(i => counted[i].Length > 0).ToArray();
        Tensor? counts = asking.Length == 0 ? null
            : head.Counts(asking.Length == specs.Length ? images : images.IndexSelect(0, Tensor.FromArray(asking.Select(i => (long)i).ToArray()).To(images.Device)));
        var scores = new Tensor[specs.Length];
        for (int i = 0; i < specs.Length; i++)
        {
            int row = Array.IndexOf(asking, i);
            scores[i] = specs[i] is null ? torch.Scalar(float.NaN, device: images.Device)
                : row < 0 ? torch.Scalar(0f, device: images.Device)
                : -counted[i].Select(t => (Matching(counts![row], t) - t.Count).Square()).Aggregate((a, b) => a + b);
        }
        return torch.Stack(scores).MoveToOuterScope();
    }

    // Objects the term matches: the sum of its classes' counts.
    private static Tensor Matching(Tensor counts, ObjectTerm term)
    {
        long[] classes = Vocabulary.Colours.Where(c => term.Colour is null || term.Colour == c).Select(c => (long)CountHead.ClassOf(term.Shape, c)).ToArray();
        return counts.IndexSelect(0, Tensor.FromArray(classes).To(counts.Device)).Sum();
    }

    public void Dispose() => head.Dispose();
}
