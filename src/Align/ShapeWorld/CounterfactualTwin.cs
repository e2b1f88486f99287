namespace Align.ShapeWorld;

/// <summary>
/// A counterfactual twin of a scene: the smallest edit of it that satisfies a one-attribute contradiction of its spec
/// (<see cref="SpecPerturbation"/>) and no longer satisfies the spec, so an image pair differs in that attribute only.
/// Objects keep their places and sizes: another shape or colour is painted in place, a flipped relation exchanges the two
/// objects' places, a lower count drops objects and a higher one adds them. An edit that breaks the scene's layout rules
/// (an object grown into another or off the canvas) falls back to a scene drawn afresh for the contradiction.
/// </summary>
public static class CounterfactualTwin
{
    /// <param name="scene">a scene drawn by <see cref="SceneSampler"/> for <paramref name="spec"/> (objects in term order)</param>
    /// <returns>the twin, or null when no scene for <paramref name="contradiction"/> fails <paramref name="spec"/> in 20 draws</returns>
    public static Scene? Of(Scene scene, Spec spec, Spec contradiction, Random random)
    {
        if (Edit(scene, spec, contradiction, random) is { } edited && IsTwin(edited, spec, contradiction)) return edited;
        for (int attempt = 0; attempt < 20; attempt++)
        {
            Scene drawn = SceneSampler.Sample(contradiction, random);
            if (IsTwin(drawn, spec, contradiction)) return drawn;
        }
        return null;
    }

    private static bool IsTwin(Scene twin, Spec spec, Spec contradiction)
    {
        IReadOnlyList<Detection> truth = Detection.FromScene(twin);
        return SpecChecker.Check(contradiction, truth).Passed && !SpecChecker.Check(spec, truth).Passed;
    }

    private static Scene? Edit(Scene scene, Spec spec, Spec contradiction, Random random)
    {
        IReadOnlyList<SceneObject> objects = scene.Objects;
        var edited = new List<SceneObject>();
        if (spec.Category == Category.Counting)
        {
            ObjectTerm term = contradiction.First;
            edited.AddRange(objects.Take(term.Count));
            while (edited.Count < term.Count)
            {
                Colour colour = term.Colour ?? Vocabulary.Colours[random.Next(Vocabulary.Colours.Count)];
                if (SceneSampler.Place(term.Shape, colour, edited, random) is not { } added) return null;
                edited.Add(added);
            }
        }
        else if (spec.Category == Category.Position)
        {
            if (objects.Count != 2) return null;
            // "A left of B" contradicted as "A right of B" or "B left of A": either way A and B exchange places
            edited.Add(objects[0] with { X = objects[1].X, Y = objects[1].Y });
            edited.Add(objects[1] with { X = objects[0].X, Y = objects[0].Y });
        }
        else
        {
            ObjectTerm[] terms = contradiction.Terms.ToArray();
            if (terms.Length != objects.Count) return null;
            for (int i = 0; i < terms.Length; i++)
                edited.Add(objects[i] with { Shape = terms[i].Shape, Colour = terms[i].Colour ?? objects[i].Colour });
        }
        try
        {
            return new Scene(edited);
        }
        catch (ArgumentException)
        {
            return null; // the edit broke the layout rules (overlap, off the canvas)
        }
    }
}
