using System.Diagnostics;
using System.Threading.Channels;
using Server.Api;
using Server.Generation;

namespace Server.Queue;

/// <summary>
/// One admitted request on its way through the queue and the device: its events (for streaming clients), its completion,
/// and its cancellation (client gone, or deadline passed), which ends it at once wherever it is.
/// </summary>
public sealed class WorkItem : IDisposable
{
    private readonly Channel<GenerationEvent> _events = Channel.CreateUnbounded<GenerationEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource<GenerationResponse> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _deadline;
    private readonly CancellationTokenSource _cancel;
    private readonly CancellationTokenRegistration _onCancel;
    private readonly TimeSpan _timeout;
    private int _finished;

    public WorkItem(GenerationRequest request, TimeSpan timeout, CancellationToken client)
    {
        Request = request;
        _timeout = timeout;
        _deadline = new CancellationTokenSource(timeout);
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(client, _deadline.Token);
        _onCancel = _cancel.Token.Register(() => Fail(_deadline.IsCancellationRequested
            ? new ServiceException(ErrorCode.DeadlineExceeded, $"the request did not finish within its deadline of {_timeout.TotalSeconds:0.###} s")
            : new ServiceException(ErrorCode.Cancelled, "the client cancelled the request")));
    }

    public GenerationRequest Request { get; }
    public long EnqueuedAt { get; } = Stopwatch.GetTimestamp();

    /// <summary>When the device took it (0 while queued).</summary>
    public long StartedAt { get; private set; }

    /// <summary>Fires when the client cancels or the deadline passes.</summary>
    public CancellationToken Cancelled => _cancel.Token;

    public bool IsFinished => Volatile.Read(ref _finished) != 0;

    /// <summary>Called (by the queue) when the item leaves the queue without running.</summary>
    public Action<WorkItem>? OnFinished { get; set; }

    public ChannelReader<GenerationEvent> Events => _events.Reader;
    public Task<GenerationResponse> Completion => _completion.Task;

    public void MarkStarted() => StartedAt = Stopwatch.GetTimestamp();

    public TimeSpan QueueWait => Stopwatch.GetElapsedTime(EnqueuedAt, StartedAt == 0 ? Stopwatch.GetTimestamp() : StartedAt);

    public void Publish(GenerationEvent e)
    {
        if (!IsFinished) _events.Writer.TryWrite(e);
    }

    public bool Complete(GenerationResponse response)
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0) return false;
        _events.Writer.TryWrite(new ResultEvent(Request.Id, response));
        _events.Writer.TryComplete();
        _completion.TrySetResult(response);
        OnFinished?.Invoke(this);
        return true;
    }

    public bool Fail(ServiceException error)
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0) return false;
        _events.Writer.TryWrite(new ErrorEvent(Request.Id, error));
        _events.Writer.TryComplete();
        _completion.TrySetException(error);
        OnFinished?.Invoke(this);
        return true;
    }

    /// <summary>Ends the item with <paramref name="error"/> and cancels its work on the device.</summary>
    public void Abort(ServiceException error)
    {
        Fail(error);
        try { _cancel.Cancel(); } catch (ObjectDisposedException) { }
    }

    public void Dispose()
    {
        _onCancel.Dispose();
        _cancel.Dispose();
        _deadline.Dispose();
    }
}
