using Align.Adapters.Store;
using Microsoft.Extensions.Options;
using Server.Models;

namespace Server.Adapters;

/// <summary>
/// Polls the adapter store and refreshes every loaded model's registry: new versions are loaded and swapped in, deleted
/// adapters retired. Polling (not file-system events) because a store on a network volume raises none.
/// </summary>
public sealed class AdapterWatcher(AdapterCatalog catalog, IOptions<AdapterOptions> options, ServingState state, ILogger<AdapterWatcher> log)
    : BackgroundService
{
    private string _lastProblems = "";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (catalog.Store is null) return;
        log.LogInformation("Watching the adapter store {Store} every {Seconds} s", catalog.Store.Root, options.Value.PollSeconds);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(0.05, options.Value.PollSeconds)));
        do
        {
            if (state.Status is ServingStatus.Serving) await Task.Run(RefreshOnce, stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>
    /// One pass: reads the store's manifests and brings every model's registry up to date. Also the pass before the server
    /// turns ready (the models are loaded). A store that cannot be read now is read again at the next poll.
    /// </summary>
    public void RefreshOnce()
    {
        if (catalog.Store is null) return;
        var problems = new List<string>();
        IReadOnlyList<AdapterVersion> current;
        try
        {
            current = catalog.Store.CurrentVersions(problems);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.LogWarning(e, "Reading the adapter store {Store} failed; retrying at the next poll", catalog.Store.Root);
            return;
        }
        string joined = string.Join("; ", problems);
        if (joined != _lastProblems && problems.Count > 0) log.LogWarning("Adapter store entries skipped: {Problems}", joined);
        _lastProblems = joined;
        foreach (var registry in catalog.Loaded())
        {
            try
            {
                registry.Refresh(current);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log.LogWarning(e, "Refreshing adapters of model {Model} failed; retrying at the next poll", registry.Model);
            }
        }
    }
}
