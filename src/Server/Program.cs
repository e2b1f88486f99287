using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Server;
using Server.Adapters;
using Server.Generation;
using Server.Grpc;
using Server.Http;
using Server.Http.Automatic1111;
using Server.Http.OpenAi;
using Server.Metrics;
using Server.Models;
using Server.Playground;
using Server.Queue;
using Torch;

var builder = WebApplication.CreateBuilder(args);
IConfiguration config = builder.Configuration;
// A line per HTTP request is noise at serving rates; the server logs its own events. (Logging__LogLevel__Microsoft.AspNetCore overrides.)
if (config["Logging:LogLevel:Microsoft.AspNetCore"] is null) builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Services.Configure<ServerOptions>(config.GetSection(ServerOptions.Section));
builder.Services.Configure<CatalogOptions>(config.GetSection(ServerOptions.Section));
builder.Services.Configure<LimitsOptions>(config.GetSection(LimitsOptions.Section));
builder.Services.Configure<QueueOptions>(config.GetSection(QueueOptions.Section));
builder.Services.Configure<AdapterOptions>(config.GetSection(AdapterOptions.Section));
var options = config.GetSection(ServerOptions.Section).Get<ServerOptions>() ?? new ServerOptions();
var queueOptions = config.GetSection(QueueOptions.Section).Get<QueueOptions>() ?? new QueueOptions();

builder.Services.AddServerMetrics();
builder.Services.AddSingleton<ServingState>();
builder.Services.AddSingleton<ModelCatalog>();
builder.Services.AddSingleton<RequestValidator>();
builder.Services.AddSingleton<WorkQueues>();
builder.Services.AddSingleton<AlignmentRunner>();
builder.Services.AddSingleton<BatchRunner>();
builder.Services.AddSingleton<GenerationService>();
builder.Services.AddSingleton<ApiKeyCheck>();
builder.Services.AddSingleton<AdapterEvents>();
builder.Services.AddSingleton<AdapterCatalog>();
builder.Services.AddSingleton<AdapterFusion>();
builder.Services.AddSingleton<AdapterService>();
builder.Services.AddGrpcApi(config);
builder.Services.AddOpenAiImages(config);
builder.Services.AddHostedService<ModelLoader>();
builder.Services.AddHostedService<GenerationWorker>();
builder.Services.AddSingleton<AdapterWatcher>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<AdapterWatcher>());
builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(queueOptions.ShutdownTimeoutSeconds + 10));

if (config["urls"] is null && Environment.GetEnvironmentVariable("ASPNETCORE_URLS") is null)
{
    builder.WebHost.ConfigureKestrel(k =>
    {
        IPAddress address = IPAddress.Parse(options.BindAddress);
        k.Listen(address, options.HttpPort, l => l.Protocols = HttpProtocols.Http1);
        if (options.GrpcPort > 0) k.Listen(address, options.GrpcPort, l => l.Protocols = HttpProtocols.Http2);
    });
}

var app = builder.Build();

if (options.TorchThreads > 0) torch.NumThreads = options.TorchThreads;
app.Logger.LogInformation("tensor engine: libtorch {Version}, {Threads} threads, {Cuda} CUDA devices",
    torch.Version, torch.NumThreads, torch.CudaDeviceCount);

bool IsHttpApi(HttpContext c) => options.GrpcPort <= 0 || c.Connection.LocalPort != options.GrpcPort;
app.UseRequestCounting(IsHttpApi);
app.UseApiKey(IsHttpApi);
app.MapGrpcApi(options.GrpcPort);
app.MapHealthEndpoints();
app.MapPrometheusMetrics("/metrics");
app.MapGenerateEndpoints();
app.MapAdapterEndpoints();
app.MapOpenAiImageEndpoints();
app.MapAutomatic1111Endpoints();
app.MapPlayground();

app.Run();

/// <summary>Entry point type, visible to the in-process test host.</summary>
public partial class Program;
