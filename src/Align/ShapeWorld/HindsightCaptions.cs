namespace Align.ShapeWorld;

/// <summary>
/// Caption twins for an image the generator drew for a prompt: specs the image satisfies and specs it fails, each one
/// attribute apart from the other side, as the detector reads the image (<see cref="SpecChecker"/>'s rules). An image that
/// passes its prompt holds it and fails the prompt's contradictions (<see cref="SpecPerturbation"/>); an image that fails
/// it is relabelled in hindsight (as hindsight experience replay, Andrychowicz et al. 2017, relabels a missed goal with the
/// one reached) with the one-attribute edits of the prompt it does satisfy: asked for three red circles, it drew two.
/// A judge that must tell the two apart on one image learns the attribute on the generator's own pixels, where
/// rendered twins teach it on clean renderings only.
/// </summary>
public sealed record HindsightCaptions(IReadOnlyList<Spec> Holding, IReadOnlyList<Spec> Failing)
{
    /// <returns>the twins, or null when no one-attribute edit of <paramref name="asked"/> is on the other side of the verdict</returns>
    public static HindsightCaptions? For(Spec asked, IReadOnlyList<Detection> seen)
    {
        bool passes = SpecChecker.Check(asked, seen).Passed;
        Spec[] other = SpecPerturbation.Candidates(asked).Where(s => SpecChecker.Check(s, seen).Passed != passes).ToArray();
        if (other.Length == 0) return null;
        return passes ? new HindsightCaptions([asked], other) : new HindsightCaptions(other, [asked]);
    }

    /// <summary>One holding and one failing caption, each spec and phrasing drawn at random.</summary>
    public (string Holding, string Failing) Draw(Random random) =>
        (CaptionGrammar.Phrase(Holding[random.Next(Holding.Count)], random), CaptionGrammar.Phrase(Failing[random.Next(Failing.Count)], random));
}
