using System.Diagnostics;

namespace Torch.Bench;

/// <summary>
/// Measures every case on both sides: a warm-up that also sizes the reps, then rounds in which our block
/// and PyTorch's alternate (which one goes first alternates too), so drift of the machine hits both.
/// </summary>
internal sealed class Runner(Options options, PythonSide python)
{
    private const double TinyRepSeconds = 0.001;
    private const double WarmupSeconds = 0.2;

    public List<CaseResult> Run(IReadOnlyList<BenchCase> cases, Action<string> log)
    {
        var results = new List<CaseResult>();
        foreach (BenchCase c in cases)
        {
            CaseResult r = Calibrate(c);
            results.Add(r);
            double block = c.Tiny ? options.TinyBlockSeconds : options.BigBlockSeconds;
            Thread.Sleep(options.SettleMs);
            python.Run(c.Name, r.K, Math.Max(2, (int)(WarmupSeconds / block * r.RepsPerRound)));
        }
        log($"warm-up done; {options.Rounds} rounds of {results.Count} cases");

        for (int round = 0; round < options.Rounds; round++)
        {
            foreach (CaseResult r in results)
            {
                bool oursFirst = round % 2 == 0;
                for (int side = 0; side < 2; side++)
                {
                    Thread.Sleep(options.SettleMs);
                    if ((side == 0) == oursFirst) r.Ours.Add(MeasureOurs(r.Case, r.K, r.RepsPerRound));
                    else r.Theirs.Add(MeasureTheirs(r));
                }
            }
            log($"round {round + 1}/{options.Rounds} done");
        }
        return results;
    }

    /// <summary>Runs our side for a while (JIT tiering, caches, allocator) and sizes K and the reps from it.</summary>
    private CaseResult Calibrate(BenchCase c)
    {
        int k = 1;
        var clock = Stopwatch.StartNew();
        double perCall = double.MaxValue;
        while (clock.Elapsed.TotalSeconds < WarmupSeconds)
        {
            double[] t = MeasureOurs(c, k, 1);
            perCall = Math.Min(perCall, t[0]);
            if (c.Tiny && k * perCall < TinyRepSeconds * 1e9 / 4) k *= 2;
        }
        double block = c.Tiny ? options.TinyBlockSeconds : options.BigBlockSeconds;
        if (c.Tiny) k = Math.Clamp((int)(TinyRepSeconds * 1e9 / perCall), 16, 1 << 16);
        int reps = Math.Clamp((int)Math.Ceiling(block * 1e9 / (k * perCall)), 3, 500);
        return new CaseResult(c, k, reps);
    }

    /// <summary>Per-call ns of each rep; one untimed rep first, then each rep's K calls inside one DisposeScope.</summary>
    private static double[] MeasureOurs(BenchCase c, int k, int reps)
    {
        using (torch.NewDisposeScope()) c.Run(k);
        var times = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            using (torch.NewDisposeScope()) c.Run(k);
            times[i] = (Stopwatch.GetTimestamp() - t0) * (1e9 / Stopwatch.Frequency) / k;
        }
        return times;
    }

    private double[] MeasureTheirs(CaseResult r)
    {
        // The first rep is the untimed warm-up, as on our side.
        long[] ns = python.Run(r.Case.Name, r.K, r.RepsPerRound + 1);
        return ns.Skip(1).Select(t => (double)t / r.K).ToArray();
    }
}
