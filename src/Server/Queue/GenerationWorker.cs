using Microsoft.Extensions.Options;
using Server.Api;
using Server.Models;

namespace Server.Queue;

/// <summary>
/// One thread per device, each taking batches from its queue and running them. On shutdown the queues stop admitting;
/// what is queued or running gets <see cref="QueueOptions.ShutdownTimeoutSeconds"/> from the signal to finish, then ends with
/// an error.
/// </summary>
public sealed class GenerationWorker(WorkQueues queues, BatchRunner runner, ServingState state, IOptions<QueueOptions> options,
    IHostApplicationLifetime lifetime, ILogger<GenerationWorker> log) : IHostedService
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Thread> _threads = [];
    private readonly object _stopping = new();
    private readonly TaskCompletionSource _aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Timer? _graceOver;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Stop admitting as soon as shutdown begins (before Kestrel drains its requests), so probes and health watchers see it.
        lifetime.ApplicationStopping.Register(StopAdmitting);
        foreach (DeviceQueue queue in queues.All)
        {
            var thread = new Thread(() => Loop(queue)) { IsBackground = true, Name = $"worker {queue.Device}" };
            _threads.Add(thread);
            thread.Start();
        }
        return Task.CompletedTask;
    }

    private void Loop(DeviceQueue queue)
    {
        while (!_stop.IsCancellationRequested)
        {
            List<WorkItem>? batch = queue.TakeBatch(_stop.Token);
            if (batch is null) return;
            try
            {
                runner.Run(batch);
            }
            catch (Exception e)
            {
                log.LogError(e, "worker {Device}: batch failed", queue.Device);
            }
            finally
            {
                // Items not handed on to encoding (cancelled, failed) end here; the others end when their PNGs are done.
                foreach (WorkItem item in batch.Where(i => i.IsFinished)) item.Dispose();
            }
        }
    }

    private void StopAdmitting()
    {
        lock (_stopping)
        {
            if (_graceOver is not null) return;
            // The grace runs from the signal, not from this service's StopAsync: the host stops Kestrel before this service,
            // and Kestrel resets every open connection once HostOptions.ShutdownTimeout has passed, so the error must reach
            // the unfinished requests before then.
            _graceOver = new Timer(_ => AbortUnfinished(), null, TimeSpan.FromSeconds(options.Value.ShutdownTimeoutSeconds), Timeout.InfiniteTimeSpan);
        }
        state.Set(ServingStatus.Stopping, "the server is shutting down");
        foreach (DeviceQueue queue in queues.All) queue.Close();
        log.LogInformation("shutting down: no new requests; {Queued} queued and the running ones may finish", queues.TotalDepth);
    }

    private void AbortUnfinished()
    {
        var gone = new ServiceException(ErrorCode.Unavailable, "the server shut down before the request finished");
        foreach (DeviceQueue queue in queues.All)
            foreach (WorkItem item in queue.Drain()) item.Abort(gone);
        _stop.Cancel();
        _aborted.TrySetResult();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        StopAdmitting();
        Task drained = Task.Run(() => { foreach (Thread t in _threads) t.Join(); }, CancellationToken.None);
        await Task.WhenAny(drained, _aborted.Task).ConfigureAwait(false);
        // Aborted work stops at its next step; give it a moment to leave the device.
        if (!drained.IsCompleted) await Task.WhenAny(drained, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)).ConfigureAwait(false);
        _stop.Cancel();
        if (_graceOver is not null) await _graceOver.DisposeAsync().ConfigureAwait(false);
    }
}
