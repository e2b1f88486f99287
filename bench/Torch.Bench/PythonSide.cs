using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Torch.Bench;

/// <summary>
/// PyTorch's side: bench/torch_bench.py kept running as a child process and asked for one block of
/// timings at a time, so that its measurements alternate with ours in the same run. While one side
/// measures, the other waits on a pipe and uses no CPU.
/// </summary>
internal sealed class PythonSide : IDisposable
{
    private readonly Process _process;

    public PythonSide(string python, string script)
    {
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-u");
        start.ArgumentList.Add(script);
        _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {python}");
    }

    public int ProcessId => _process.Id;

    public JsonObject Init(int threads) => Request(new JsonObject { ["cmd"] = "init", ["threads"] = threads });

    /// <summary>Per-rep times in nanoseconds of <paramref name="reps"/> reps of <paramref name="k"/> calls each.</summary>
    public long[] Run(string name, int k, int reps)
    {
        JsonObject reply = Request(new JsonObject { ["cmd"] = "run", ["case"] = name, ["k"] = k, ["reps"] = reps });
        return reply["ns"]!.AsArray().Select(v => v!.GetValue<long>()).ToArray();
    }

    private JsonObject Request(JsonObject request)
    {
        _process.StandardInput.WriteLine(request.ToJsonString());
        _process.StandardInput.Flush();
        string? line = _process.StandardOutput.ReadLine()
            ?? throw new InvalidOperationException("torch_bench.py exited (see its error above)");
        JsonObject reply = JsonNode.Parse(line)!.AsObject();
        if (reply["error"] is JsonNode error) throw new InvalidOperationException($"torch_bench.py: {error}");
        return reply;
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.WriteLine(new JsonObject { ["cmd"] = "quit" }.ToJsonString());
            _process.StandardInput.Close();
            if (!_process.WaitForExit(5000)) _process.Kill();
        }
        catch (IOException)
        {
            // Already gone.
        }
        _process.Dispose();
    }
}
