using Server.Adapters;

namespace Server.Models;

/// <summary>
/// Loads and warms up the models at startup, off the request path, then reads the adapter store once; the server is
/// ready (and serving) once it is done, so a ready replica knows every adapter the store had when it started.
/// </summary>
public sealed class ModelLoader(ModelCatalog catalog, AdapterWatcher adapters, ServingState state, ILogger<ModelLoader> log) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Factory.StartNew(() =>
    {
        try
        {
            catalog.LoadAll(stoppingToken);
            adapters.RefreshOnce();
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
