using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Server.Tests.RealProcess;

/// <summary>
/// The real server as a separate process (dotnet Server.dll) on free loopback ports, serving the embedded model, for
/// tests that drive it with real peers (curl, grpcio, grpc-js, Prometheus). Ready once /readyz answers 200.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private ServerProcess(Process process, int httpPort, int grpcPort)
    {
        _process = process;
        HttpPort = httpPort;
        GrpcPort = grpcPort;
    }

    public int HttpPort { get; }
    public int GrpcPort { get; }
    public Uri HttpBase => new($"http://127.0.0.1:{HttpPort}");
    public string GrpcTarget => $"127.0.0.1:{GrpcPort}";
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>What the server printed so far (for failure messages).</summary>
    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <param name="settings">configuration as environment variables without the prefix, e.g. ("Server__Queue__Capacity", "2")</param>
    /// <remarks>
    /// A free port is only free until something else binds it: another test's server or Prometheus, or an outgoing
    /// connection's ephemeral port, can take it between <see cref="FreePort"/> and the server's bind. A server that
    /// exits because its address is in use is started again on fresh ports, a few times, before the failure counts.
    /// </remarks>
    public static async Task<ServerProcess> StartAsync(params (string Key, string Value)[] settings)
    {
        const int attempts = 3;
        for (int attempt = 1; ; attempt++)
        {
            ServerProcess server = Launch(settings);
            try
            {
                await server.WaitReadyAsync(TimeSpan.FromSeconds(90));
                return server;
            }
            catch (Exception e)
            {
                await server.DisposeAsync();
                if (attempt == attempts || !server.LostItsPort(e)) throw;
            }
        }
    }

    private static ServerProcess Launch((string Key, string Value)[] settings)
    {
        int http = FreePort(), grpc = FreePort();
        ProcessStartInfo info = DotnetChild.StartInfo(ServerDll());
        info.Environment["Server__HttpPort"] = http.ToString();
        info.Environment["Server__GrpcPort"] = grpc.ToString();
        info.Environment["Server__BindAddress"] = "127.0.0.1";
        info.Environment["Logging__LogLevel__Default"] = "Information";
        foreach ((string key, string value) in settings) info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        var server = new ServerProcess(process, http, grpc);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    private bool LostItsPort(Exception failure) =>
        failure is InvalidOperationException && Log.Contains("address already in use", StringComparison.OrdinalIgnoreCase);

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }

    private async Task WaitReadyAsync(TimeSpan limit)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < limit)
        {
            if (_process.HasExited) throw new InvalidOperationException($"the server exited with {_process.ExitCode} before it was ready:\n{Log}");
            try
            {
                if ((await client.GetAsync(new Uri(HttpBase, "/readyz"))).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"the server was not ready within {limit.TotalSeconds} s:\n{Log}");
    }

    /// <summary>Asks the server to stop (SIGTERM, as Kubernetes does) and waits for it to exit.</summary>
    public async Task<int> StopAsync(TimeSpan limit)
    {
        if (!_process.HasExited) SystemSignal.Terminate(_process.Id);
        using var cts = new CancellationTokenSource(limit);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string ServerDll()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Server.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Server.dll not found next to the tests ({path}); build the solution first");
    }
}
