namespace Torch.Bench;

/// <summary>Command line of the benchmark; see <see cref="Usage"/>.</summary>
internal sealed record Options
{
    public int Threads { get; init; } = Environment.ProcessorCount;
    public int Rounds { get; init; } = 8;
    public int SettleMs { get; init; } = 100;
    public double TinyBlockSeconds { get; init; } = 0.1;
    public double BigBlockSeconds { get; init; } = 0.15;
    public string Json { get; init; } = "artifacts/bench/engine.json";
    public string Python { get; init; } = "/usr/bin/python3";
    public string? Script { get; init; }
    public string[]? Only { get; init; }
    public string? Kind { get; init; }

    public const string Usage = """
        usage: Torch.Bench [options]
          --threads N      intra-op threads on both sides (default: processor count)
          --rounds N       times each case is measured on each side, sides alternating (default 8)
          --settle-ms N    pause before each block so the other side's idle BLAS/OpenMP threads go to sleep (100)
          --tiny-block S   seconds of timed work per side per round for tiny ops (0.1)
          --big-block S    the same for conv2d/matmul (0.15)
          --json PATH      where to write all figures (artifacts/bench/engine.json)
          --python PATH    Python with torch (/usr/bin/python3)
          --script PATH    PyTorch side (bench/torch_bench.py, found from the working directory upwards)
          --only A,B,...   run only cases whose name contains one of these
          --kind K         run only the 'tiny' cases or only the 'throughput' (conv2d/matmul) ones
        """;

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            o = args[i] switch
            {
                "--threads" => o with { Threads = int.Parse(Next()) },
                "--rounds" => o with { Rounds = int.Parse(Next()) },
                "--settle-ms" => o with { SettleMs = int.Parse(Next()) },
                "--tiny-block" => o with { TinyBlockSeconds = double.Parse(Next()) },
                "--big-block" => o with { BigBlockSeconds = double.Parse(Next()) },
                "--json" => o with { Json = Next() },
                "--python" => o with { Python = Next() },
                "--script" => o with { Script = Next() },
                "--only" => o with { Only = Next().Split(',', StringSplitOptions.RemoveEmptyEntries) },
                "--kind" => o with { Kind = Next() is "tiny" or "throughput" ? args[i] : throw new ArgumentException("--kind is tiny or throughput") },
                _ => throw new ArgumentException($"unknown option {args[i]}\n{Usage}"),
            };
        }
        if (o.Threads < 1 || o.Rounds < 1) throw new ArgumentException("--threads and --rounds must be at least 1");
        return o;
    }

    public bool Selects(BenchCase c) =>
        (Only is null || Only.Any(c.Name.Contains)) && (Kind is null || (Kind == "tiny") == c.Tiny);

    public string ResolveScript()
    {
        if (Script is not null) return Script;
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "bench", "torch_bench.py");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("bench/torch_bench.py not found above the working directory: pass --script");
    }
}
