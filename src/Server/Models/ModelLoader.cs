
namespace Server.Models;

/// <summary>Loads and warms up the models at startup, off the request path; the server is ready (and serving) once it is done.</summary>
public sealed class ModelLoader(ModelCatalog catalog, ServingState state, ILogger<ModelLoader> log) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Factory.StartNew(() =>
    {
        try
        {
            catalog.LoadAll(stoppingToken);
            state.Set(ServingStatus.Serving, "ready");
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            log.LogCritical(e, "loading the models failed");
            state.Set(ServingStatus.Failed, $"loading the models failed: {e.Message}");
        }
    }, stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
