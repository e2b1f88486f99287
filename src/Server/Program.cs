using System.Net;
using Server;
using Server.Metrics;
using Torch;

var builder = WebApplication.CreateBuilder(args);
builder.Services.Configure<ServerOptions>(builder.Configuration.GetSection(ServerOptions.Section));
var options = builder.Configuration.GetSection(ServerOptions.Section).Get<ServerOptions>() ?? new ServerOptions();
builder.Services.AddServerMetrics();

if (builder.Configuration["urls"] is null && Environment.GetEnvironmentVariable("ASPNETCORE_URLS") is null)
    builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(options.BindAddress), options.HttpPort));

var app = builder.Build();

if (options.TorchThreads > 0) torch.NumThreads = options.TorchThreads;
app.Logger.LogInformation("tensor engine: libtorch {Version}, {Threads} threads, {Cuda} CUDA devices",
    torch.Version, torch.NumThreads, torch.CudaDeviceCount);

app.MapGet("/healthz", () => Results.Ok(new { status = "ok" }));
app.MapPrometheusMetrics("/metrics");

app.Run();

/// <summary>Entry point type, visible to the in-process test host.</summary>
public partial class Program;
