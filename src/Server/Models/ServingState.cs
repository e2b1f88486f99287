namespace Server.Models;

public enum ServingStatus { Starting, Serving, Stopping, Failed }

/// <summary>
/// Whether the server takes work: Starting until the models are loaded and warmed up, Serving, then Stopping on shutdown
/// (or Failed when a model could not load). Readiness probes, gRPC health and the queue read it; watchers get each change.
/// </summary>
public sealed class ServingState
{
    private readonly object _lock = new();
    private ServingStatus _status = ServingStatus.Starting;

    public ServingStatus Status
    {
        get { lock (_lock) return _status; }
    }

    /// <summary>Why the server is not serving (the load error, or "starting"), for probes and errors.</summary>
    public string Reason { get; private set; } = "models are loading";

    public bool IsServing => Status == ServingStatus.Serving;

    /// <summary>Raised after every change, with the new status.</summary>
    public event Action<ServingStatus>? Changed;

    public void Set(ServingStatus status, string reason)
    {
        lock (_lock)
        {
            if (_status == status || _status == ServingStatus.Stopping) return; // stopping is final
            _status = status;
            Reason = reason;
        }
        Changed?.Invoke(status);
    }
}
