using System.Globalization;
using System.Text.Json.Nodes;
using Torch;
using Torch.Bench;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(Options.Usage);
    return 0;
}
Options options;
try
{
    options = Options.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

void Log(string message) => Console.Error.WriteLine($"[bench {DateTime.Now:HH:mm:ss}] {message}");

torch.NumThreads = options.Threads;
using var python = new PythonSide(options.Python, options.ResolveScript());
JsonObject pyInfo = python.Init(options.Threads);

List<BenchCase> cases = Cases.Create().Where(options.Selects).ToList();
if (cases.Count == 0)
{
    Console.Error.WriteLine("no case matches --only/--kind");
    return 2;
}
Log($"threads: ours {torch.NumThreads}, pytorch {pyInfo["threads"]}; {cases.Count} cases");
var load = new MachineLoad(Environment.ProcessId, python.ProcessId);
List<CaseResult> results = new Runner(options, python).Run(cases, Log);
var (others, steal) = load.Measure();

var header = new JsonObject
{
    ["pytorch_version"] = pyInfo["torch"]!.GetValue<string>(),
    ["shim_libtorch_version"] = torch.Version,
    ["threads_ours"] = torch.NumThreads,
    ["threads_pytorch"] = pyInfo["threads"]!.GetValue<int>(),
    ["rounds"] = options.Rounds,
    ["settle_ms"] = options.SettleMs,
    ["cpu"] = CpuName(),
    ["cores"] = Environment.ProcessorCount,
    ["dotnet"] = Environment.Version.ToString(),
    ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'"),
    ["other_processes_cpu_share"] = Math.Round(others, 4),
    ["steal_cpu_share"] = Math.Round(steal, 4),
    ["pytorch_parallel_info"] = pyInfo["parallel"]!.GetValue<string>(),
};
Console.Write(Report.Table(results, header));
Report.WriteJson(options.Json, results, header);
Log($"figures written to {options.Json}");
return 0;

static string CpuName()
{
    const string prefix = "model name";
    try
    {
        string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line?[(line.IndexOf(':') + 1)..].Trim() ?? "unknown";
    }
    catch (IOException)
    {
        return "unknown";
    }
}
