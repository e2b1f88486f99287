namespace Torch.Bench;

/// <summary>Per-call times (ns) of one case on both sides, grouped by round.</summary>
internal sealed class CaseResult(BenchCase benchCase, int k, int reps)
{
    public BenchCase Case { get; } = benchCase;
    /// <summary>Calls per timed rep (tiny ops are timed as a loop of K and divided).</summary>
    public int K { get; } = k;
    public int RepsPerRound { get; } = reps;
    public List<double[]> Ours { get; } = [];
    public List<double[]> Theirs { get; } = [];

    public double OursMedian => Stats.Median(Ours.SelectMany(r => r));
    public double TheirsMedian => Stats.Median(Theirs.SelectMany(r => r));
    public double OursMin => Ours.SelectMany(r => r).Min();
    public double TheirsMin => Theirs.SelectMany(r => r).Min();

    /// <summary>
    /// Our time over PyTorch's (above 1: we are slower): the median over rounds of the ratio within each
    /// round, whose two blocks ran back to back, so slow phases of the machine cancel out.
    /// </summary>
    public double Ratio => Stats.Median(RoundRatios);
    public double RatioOfMedians => OursMedian / TheirsMedian;
    public double RatioOfMins => OursMin / TheirsMin;

    /// <summary>The ratio measured within each round alone, to show how much it drifts.</summary>
    public double[] RoundRatios => Ours.Zip(Theirs, (o, t) => Stats.Median(o) / Stats.Median(t)).ToArray();

    public bool? MeetsTarget => Case.Target is double t ? Ratio <= t : null;
}
