using Server.Api;
using Server.Generation;

namespace Server.Queue;

/// <summary>
/// The bounded queue in front of one device's worker. Admission is immediate: a full queue refuses at once. The worker
/// takes the oldest request together with every queued request that can share its batch, up to the batch size.
/// </summary>
public sealed class DeviceQueue(string device, QueueOptions options)
{
    private readonly LinkedList<WorkItem> _items = new();
    private readonly HashSet<WorkItem> _running = new(ReferenceEqualityComparer.Instance);
    private readonly object _lock = new();
    private bool _closed;

    public string Device => device;

    /// <summary>Requests waiting.</summary>
    public int Count
    {
        get { lock (_lock) return _items.Count; }
    }

    /// <summary>Requests the worker took that have not ended yet.</summary>
    public int Running
    {
        get { lock (_lock) return _running.Count; }
    }

    /// <summary>Admits the item; returns how many requests wait ahead of it. Throws resource_exhausted when full, unavailable when closed.</summary>
    public int Enqueue(WorkItem item)
    {
        lock (_lock)
        {
            if (_closed) throw new ServiceException(ErrorCode.Unavailable, "the server is shutting down");
            if (_items.Count >= options.Capacity)
                throw new ServiceException(ErrorCode.ResourceExhausted, $"the queue for {device} is full ({options.Capacity} requests waiting); try again later",
                    retryAfter: TimeSpan.FromSeconds(options.RetryAfterSeconds));
            item.OnFinished = Finished;
            if (item.IsFinished) return 0; // cancelled before it got here
            _items.AddLast(item);
            Monitor.PulseAll(_lock);
            return _items.Count - 1;
        }
    }

    // The item ended: out of the queue if it still waited (cancelled or timed out there), no longer running if it ran.
    private void Finished(WorkItem item)
    {
        lock (_lock)
            if (!_items.Remove(item)) _running.Remove(item);
    }

    /// <summary>
    /// Blocks until a request waits (or <paramref name="stop"/> fires: null), then returns it with the compatible requests
    /// queued behind it, oldest first, while their images fit in one batch. Alignment methods other than "none" run alone.
    /// </summary>
    public List<WorkItem>? TakeBatch(CancellationToken stop)
    {
        using CancellationTokenRegistration wake = stop.Register(() => { lock (_lock) Monitor.PulseAll(_lock); });
        lock (_lock)
        {
            while (_items.Count == 0)
            {
                if (stop.IsCancellationRequested || _closed) return null;
                Monitor.Wait(_lock);
            }
            if (options.BatchWindowMs > 0 && _items.Count < options.MaxBatchImages)
                Monitor.Wait(_lock, options.BatchWindowMs); // let compatible requests arriving right now join
            WorkItem first = _items.First!.Value;
            var batch = new List<WorkItem> { first };
            int images = first.Request.NumImages;
            _items.RemoveFirst();
            if (first.Request.Alignment.Method == AlignmentOptions.None)
            {
                BatchKey key = first.Request.BatchKey;
                for (LinkedListNode<WorkItem>? node = _items.First; node is not null && images < options.MaxBatchImages;)
                {
                    LinkedListNode<WorkItem>? next = node.Next;
                    GenerationRequest r = node.Value.Request;
                    if (r.BatchKey == key && images + r.NumImages <= options.MaxBatchImages)
                    {
                        batch.Add(node.Value);
                        images += r.NumImages;
                        _items.Remove(node);
                    }
                    node = next;
                }
            }
            // counted as running until each ends (its response written, or its error)
            foreach (WorkItem item in batch)
                if (!item.IsFinished) _running.Add(item);
            return batch;
        }
    }

    /// <summary>Refuses new requests from now on; those already queued stay for the worker.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Empties the queue, handing back what was waiting and what is still running, to be ended (shutdown).</summary>
    public List<WorkItem> Drain()
    {
        lock (_lock)
        {
            var rest = _items.ToList();
            _items.Clear();
            foreach (WorkItem item in rest) item.OnFinished = null;
            return [.. rest, .. _running];
        }
    }
}
