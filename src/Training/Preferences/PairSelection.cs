namespace Training.Preferences;

/// <summary>Which images to pair, from their scores (the higher preferred): pure functions of the scores, so they are tested apart from any model.</summary>
public static class PairSelection
{
    /// <summary>
    /// Pairs of one prompt's images, (chosen, rejected) indices with score[chosen] &gt; score[rejected] + <paramref name="margin"/>
    /// (NaN scores never pair). With the verifier's 0/1 scores: passing images against failing ones. At most
    /// <paramref name="max"/>, spread over the images: the best against the worst first, then each next pair the one whose
    /// images have been used least (then the best-ranked).
    /// </summary>
    public static IReadOnlyList<(int Chosen, int Rejected)> SamePrompt(IReadOnlyList<double> scores, int max, double margin = 0)
    {
        int[] best = Enumerable.Range(0, scores.Count).Where(i => !double.IsNaN(scores[i])).OrderByDescending(i => scores[i]).ThenBy(i => i).ToArray();
        int[] worst = best.Reverse().ToArray();
        var remaining = new List<(int Chosen, int Rejected, int Rank, int First)>();
        for (int a = 0; a < best.Length; a++)
            for (int b = 0; b < worst.Length; b++)
                if (scores[best[a]] > scores[worst[b]] + margin) remaining.Add((best[a], worst[b], a + b, a));
        var uses = new int[scores.Count];
        var pairs = new List<(int, int)>();
        while (pairs.Count < max && remaining.Count > 0)
        {
            var next = remaining.MinBy(p => (uses[p.Chosen] + uses[p.Rejected], p.Rank, p.First));
            remaining.Remove(next);
            uses[next.Chosen]++;
            uses[next.Rejected]++;
            pairs.Add((next.Chosen, next.Rejected));
        }
        return pairs;
    }

    /// <summary>
    /// InstructEngine's cross-validation pairs over one pool of images scored against two contrasting prompts x1 and x2:
    /// (y1, y2) with y1 preferred to y2 under x1 and y2 preferred to y1 under x2, each by more than <paramref name="margin"/>
    /// (with the verifier: y1 passes x1 and fails x2, y2 passes x2 and fails x1). Each image is used at most once; the
    /// clearest pairs (largest smaller margin) first; at most <paramref name="max"/>.
    /// </summary>
    public static IReadOnlyList<(int First, int Second)> Cross(IReadOnlyList<double> first, IReadOnlyList<double> second, int max, double margin = 0)
    {
        if (first.Count != second.Count) throw new ArgumentException($"{first.Count} scores against the first prompt but {second.Count} against the second");
        var candidates = new List<(int A, int B, double Clarity)>();
        for (int a = 0; a < first.Count; a++)
            for (int b = 0; b < first.Count; b++)
            {
                double m1 = first[a] - first[b], m2 = second[b] - second[a];
                if (a != b && m1 > margin && m2 > margin) candidates.Add((a, b, Math.Min(m1, m2)));
            }
        var used = new HashSet<int>();
        var pairs = new List<(int, int)>();
        foreach ((int a, int b, _) in candidates.OrderByDescending(c => c.Clarity).ThenBy(c => c.A).ThenBy(c => c.B))
        {
            if (pairs.Count >= max) break;
            if (used.Contains(a) || used.Contains(b)) continue;
            used.Add(a);
            used.Add(b);
            pairs.Add((a, b));
        }
        return pairs;
    }
}
