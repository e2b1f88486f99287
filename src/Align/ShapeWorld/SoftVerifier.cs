using Torch;

namespace Align.ShapeWorld;

/// <summary>
/// A differentiable relaxation of the <see cref="Verifier"/>: log P(the image passes the spec), where each hard decision of
/// <see cref="ShapeDetector"/> and <see cref="SpecChecker"/> becomes a probability of the same quantity, computed in the
/// graph from the pixels.
/// <list type="bullet">
/// <item>Colour: a pixel's colour is a softmax over the palette of −(its residual after the blend with that colour)/τ,
/// instead of the argmin; its coverage is the blend weight, as in the detector.</item>
/// <item>Objects: the detector's components of the detached image fix where each object is (core plus ring). Within
/// that support the object's mass, centroid, colour shares and the blur-invariant cumulants are functions of the
/// coverage; presence is σ of the area above <see cref="ShapeDetector.MinAreaFraction"/>, triangle σ of the skew above
/// its threshold, square against disc σ of κ₂₂ about its threshold. The covered pixels outside every component form
/// one more candidate of unknown shape (1/3 each), so a missing object has a gradient towards appearing.</item>
/// <item>Spec: with candidates matching a term independently with probability q = presence·P(shape)·P(colour), a count
/// of 1 ("at least one") is 1 − Π(1 − q), a count of 2–4 ("exactly") the Poisson-binomial probability of that count,
/// and a relation 1 − Π over ordered pairs of distinct candidates of (1 − q_a·q_b·σ((Δ − dead zone)/τ)).</item>
/// </list>
/// It judges the same quantities as the verifier, so it is an oracle reward for ShapeWorld, not a learnt one: optimising
/// it shows what a method buys with a reward that agrees with the metric.
/// </summary>
public static class SoftVerifier
{
    // Temperatures, each a small fraction of the gap its hard rule decides across: palette colours lie ≥ 0.1 apart in
    // squared RGB; the triangle's skew is 0.017 against 0; κ₂₂/m² is 0 (square) against −0.0021 (disc); the dead zone is
    // 0.05 of the side.
    private const double ColourTemperature = 0.01, AreaTemperature = 0.002, SkewTemperature = 0.0015, CrossTemperature = 0.0002,
        PositionTemperature = 0.01, CoveredTemperature = 0.1;

    // The spec's probability is computed in float64 from the candidates' (few) values, so a far-off position or a missing
    // object keeps a usable log-gradient instead of rounding 1 − q to 1.
    private const double Floor = 1e-12;

    /// <summary>log P(pass) of one image [3, H, W] in [0, 1]: a scalar float32 tensor in the graph.</summary>
    public static Tensor LogProbability(Tensor image, Spec spec)
    {
        using var scope = torch.NewDisposeScope();
        Candidates c = Candidates.Of(image).ToFloat64();
        Tensor p = spec.Relation is { } relation
            ? RelationProbability(c, Match(c, spec.First), Match(c, spec.Second!), relation)
            : spec.Terms.Select(t => TermProbability(Match(c, t), t.Count)).Aggregate((a, b) => a * b);
        return p.ClampMin(0).Add(Floor).Log().Float().MoveToOuterScope();
    }

    // q: the probability that each candidate is an object the term describes.
    private static Tensor Match(Candidates c, ObjectTerm term)
    {
        Tensor q = c.Presence * c.Shape.Select(1, (long)term.Shape);
        return term.Colour is { } colour ? q * c.Colour.Select(1, (long)colour) : q;
    }

    private static Tensor TermProbability(Tensor q, int count)
    {
        if (count == 1) return 1 - (1 - q).ClampMin(Floor).Log().Sum().Exp();
        // Poisson-binomial: dist[k] = P(k of the candidates seen so far match), k ≤ count.
        Tensor dist = torch.OnesLike(q[0]).Unsqueeze(0);
        foreach (Tensor qj in q.Unbind())
        {
            Tensor stay = F.Pad(dist * (1 - qj), [0, 1]), step = F.Pad(dist * qj, [1, 0]);
            dist = (stay + step).Narrow(0, 0, Math.Min(stay.Size(0), count + 1));
        }
        return dist.Size(0) > count ? dist[count] : torch.ZerosLike(q[0]);
    }

    private static Tensor RelationProbability(Candidates c, Tensor qa, Tensor qb, Relation relation)
    {
        // Δ[j, l]: how far candidate l (second term) lies beyond candidate j (first term) in the relation's direction.
        Tensor delta = relation switch
        {
            Relation.LeftOf => c.X.Unsqueeze(0) - c.X.Unsqueeze(1),
            Relation.RightOf => c.X.Unsqueeze(1) - c.X.Unsqueeze(0),
            Relation.Above => c.Y.Unsqueeze(0) - c.Y.Unsqueeze(1),
            _ => c.Y.Unsqueeze(1) - c.Y.Unsqueeze(0),
        };
        Tensor holds = ((delta - SpecChecker.DeadZone) / PositionTemperature).Sigmoid();
        int n = (int)qa.Size(0);
        var offDiagonal = new float[n * n];
        for (int i = 0; i < offDiagonal.Length; i++) offDiagonal[i] = i / n == i % n ? 0 : 1;
        Tensor distinct = Tensor.FromArray(offDiagonal, n, n).To(qa.Device);
        Tensor pair = qa.Unsqueeze(1) * qb.Unsqueeze(0) * holds * distinct;
        return 1 - (1 - pair).ClampMin(Floor).Log().Sum().Exp();
    }

    /// <summary>The objects of one image, soft: per candidate presence, P(shape) [J, 3] and P(colour) [J, K] indexed by the
    /// <see cref="ShapeWorld.Shape"/> and <see cref="ShapeWorld.Colour"/> enums (the <see cref="Vocabulary"/> orders), and
    /// the centroid as fractions of the side.</summary>
    private sealed record Candidates(Tensor Presence, Tensor Shape, Tensor Colour, Tensor X, Tensor Y)
    {
        public Candidates ToFloat64() =>
            new(Presence.To(DType.Float64), Shape.To(DType.Float64), Colour.To(DType.Float64), X.To(DType.Float64), Y.To(DType.Float64));

        public static Candidates Of(Tensor image)
        {
            long h = image.Size(1), w = image.Size(2), n = h * w;
            Device device = image.Device;
            Segmentation seg = ShapeDetector.Segment(RgbImage.FromTensor(image.Detach()));

            Tensor x = image.Float().Reshape(3, n);
            Tensor bg = Tensor.FromArray(seg.Background, 3, 1).To(device);
            Tensor d = x - bg;
            float[] flat = seg.Palette.SelectMany(o => new[] { o.R, o.G, o.B }).ToArray();
            Tensor palette = Tensor.FromArray(flat, seg.Palette.Length, 3).To(device);
            Tensor squared = palette.Square().Sum(1, keepDim: true);
            Tensor dot = palette.Matmul(d);
            Tensor blend = (dot / squared).Clamp(0, 1);
            Tensor residual = d.Square().Sum(0, keepDim: true) - 2 * blend * dot + blend.Square() * squared;
            Tensor coverage = F.Softmax(residual.Neg() / ColourTemperature, 0) * blend; // [K, N]
            Tensor covered = coverage.Sum(0);                                           // [N]

            // Supports: one row per component (core and ring), then the covered pixels outside all of them (that last row
            // is left 0 here, which also keeps the tensor non-empty when nothing was found, and built from `covered` below).
            var support = new float[(seg.Segments.Count + 1) * n];
            for (int j = 0; j < seg.Segments.Count; j++)
                foreach (int i in seg.Segments[j].Core.Concat(seg.Segments[j].Ring)) support[j * n + i] = 1;
            Tensor supports = Tensor.FromArray(support, seg.Segments.Count + 1, n).To(device);
            Tensor inComponents = supports.Narrow(0, 0, seg.Segments.Count).Sum(0).Clamp(0, 1);
            Tensor rest = (1 - inComponents) * ((covered - 0.5) / CoveredTemperature).Sigmoid();
            Tensor weights = torch.Cat([supports.Narrow(0, 0, seg.Segments.Count), rest.Unsqueeze(0)]) * covered; // [J, N]

            Tensor mass = weights.Sum(1).ClampMin(1e-6);
            Tensor colour = weights.Matmul(coverage.T) / (weights * covered).Sum(1, keepDim: true).ClampMin(1e-6);
            // Pixel centres, as the detector measures them.
            var xs = new float[n];
            var ys = new float[n];
            for (long i = 0; i < n; i++) (xs[i], ys[i]) = (i % w + 0.5f, i / w + 0.5f);
            Tensor px = Tensor.FromArray(xs, n).To(device), py = Tensor.FromArray(ys, n).To(device);
            Tensor cx = weights.Matmul(px) / mass, cy = weights.Matmul(py) / mass;
            Tensor dx = px.Unsqueeze(0) - cx.Unsqueeze(1), dy = py.Unsqueeze(0) - cy.Unsqueeze(1);
            Tensor Moment(Tensor t) => (weights * t).Sum(1) / mass;
            Tensor m20 = Moment(dx.Square()), m02 = Moment(dy.Square()), m11 = Moment(dx * dy);
            Tensor m30 = Moment(dx.Pow(3)), m03 = Moment(dy.Pow(3)), m22 = Moment(dx.Square() * dy.Square());
            Tensor skew = m30.Abs().Maximum(m03.Abs()) / mass.Pow(1.5);
            Tensor cross = (m22 - m20 * m02 - 2 * m11.Square()) / mass.Square();

            Tensor triangle = ((skew - ShapeDetector.TriangleSkew) / SkewTemperature).Sigmoid();
            Tensor squareNotDisc = ((cross - ShapeDetector.SquareCumulant) / CrossTemperature).Sigmoid();
            // Shape order: Circle, Square, Triangle (the enum's).
            Tensor shape = torch.Stack([(1 - triangle) * (1 - squareNotDisc), (1 - triangle) * squareNotDisc, triangle], 1);
            long last = seg.Segments.Count;
            shape = torch.Cat([shape.Narrow(0, 0, last), torch.FullLike(shape.Narrow(0, last, 1), 1.0 / 3)]);
            Tensor presence = ((mass / n - ShapeDetector.MinAreaFraction) / AreaTemperature).Sigmoid();
            return new Candidates(presence, shape, colour, cx / w, cy / h);
        }
    }
}
