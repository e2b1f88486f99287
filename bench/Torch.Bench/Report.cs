using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Torch.Bench;

/// <summary>The printed table and the JSON file with every figure.</summary>
internal static class Report
{
    public static string Table(IReadOnlyList<CaseResult> results, JsonObject header)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Engine benchmark: ours (C# over libtorchshim) vs PyTorch {header["pytorch_version"]} Python API, same libtorch .so files");
        sb.AppendLine($"threads: ours {header["threads_ours"]}, pytorch {header["threads_pytorch"]} | {header["rounds"]} rounds, sides alternating | " +
                      $"cpu: {header["cpu"]}, {header["cores"]} cores | {header["date"]}");
        double others = header["other_processes_cpu_share"]!.GetValue<double>(), steal = header["steal_cpu_share"]!.GetValue<double>();
        sb.AppendLine($"during the run other processes used {others * 100:F0}% of the cores' time, the hypervisor stole {steal * 100:F0}%" +
                      (others + steal > 0.05 ? "  << competition for the cores: expect noisy figures; 'min r.' resists it best" : ""));
        sb.AppendLine("ours/pytorch: median (and min) over all reps. ratio: our time / PyTorch's, > 1 = we are slower; the median over rounds");
        sb.AppendLine("of each round's ratio of medians (the two sides' blocks of a round run back to back); 'rounds': their range.");
        sb.AppendLine("'min r.': ratio of the fastest reps. GFLOP/s are computed from the median (min) time per call.");
        string head = $"{"case",-40} {"unit",-8} {"ours",9} {"pytorch",9} {"ours min",9} {"pt min",9} {"ratio",6} {"rounds",11} {"min r.",6} {"target",7} {"ok",4}";
        sb.AppendLine(head);
        sb.AppendLine(new string('-', head.Length));
        foreach (CaseResult r in results)
        {
            BenchCase c = r.Case;
            string unit = c.Tiny ? "us/op" : "GFLOP/s";
            string F(double ns) => c.Tiny ? $"{ns / 1000:F3}" : $"{c.Flops / ns:F2}";
            double[] rr = r.RoundRatios;
            string target = c.Target is double t ? $"<={t:F2}" : "-";
            string ok = r.MeetsTarget switch { true => "yes", false => "NO", null => "-" };
            sb.AppendLine($"{c.Label,-40} {unit,-8} {F(r.OursMedian),9} {F(r.TheirsMedian),9} {F(r.OursMin),9} {F(r.TheirsMin),9} " +
                          $"{r.Ratio,6:F3} {$"{rr.Min():F2}-{rr.Max():F2}",11} {r.RatioOfMins,6:F3} {target,7} {ok,4}");
        }
        int met = results.Count(r => r.MeetsTarget == true), judged = results.Count(r => r.MeetsTarget is not null);
        sb.AppendLine($"{met} of {judged} cases meet their target (tiny ops: ours <= 1.5x PyTorch per op; conv2d/matmul >= 1 MFLOP: within 2%).");
        return sb.ToString();
    }

    public static void WriteJson(string path, IReadOnlyList<CaseResult> results, JsonObject header)
    {
        var cases = new JsonArray();
        foreach (CaseResult r in results)
        {
            BenchCase c = r.Case;
            cases.Add(new JsonObject
            {
                ["name"] = c.Name,
                ["label"] = c.Label,
                ["kind"] = c.Tiny ? "tiny" : "throughput",
                ["flops"] = c.Flops,
                ["calls_per_rep"] = r.K,
                ["reps_per_round"] = r.RepsPerRound,
                ["ours"] = Side(r.Ours, c),
                ["pytorch"] = Side(r.Theirs, c),
                ["ratio"] = r.Ratio,
                ["ratio_of_medians"] = r.RatioOfMedians,
                ["ratio_min"] = r.RatioOfMins,
                ["round_ratios"] = new JsonArray(r.RoundRatios.Select(x => (JsonNode?)x).ToArray()),
                ["target_max_ratio"] = c.Target,
                ["meets_target"] = r.MeetsTarget,
            });
        }
        var root = new JsonObject { ["header"] = header.DeepClone(), ["cases"] = cases };
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static JsonObject Side(List<double[]> rounds, BenchCase c)
    {
        double[] all = rounds.SelectMany(x => x).ToArray();
        double median = Stats.Median(all), min = all.Min();
        var o = new JsonObject
        {
            ["median_ns_per_call"] = median,
            ["min_ns_per_call"] = min,
            ["round_medians_ns"] = new JsonArray(rounds.Select(x => (JsonNode?)Stats.Median(x)).ToArray()),
            ["samples_ns_per_call"] = new JsonArray(all.Select(x => (JsonNode?)Math.Round(x, 1)).ToArray()),
        };
        if (!c.Tiny)
        {
            o["gflops_median"] = c.Flops / median;
            o["gflops_best"] = c.Flops / min;
        }
        return o;
    }
}
