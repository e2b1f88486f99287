namespace Server.Adapters;

/// <summary>
/// Adapters held for one run, with the weights the request gave them. The versions stay loaded until the lease is
/// disposed, even if the store publishes newer ones meanwhile (the run finishes on the version it started with).
/// </summary>
public sealed class AdapterLease<T> : IDisposable where T : class, IDisposable
{
    private readonly Action _release;
    private int _released;

    internal AdapterLease(IReadOnlyList<(T Adapter, string Name, string Version, double Weight)> adapters, Action release)
    {
        Adapters = adapters;
        _release = release;
    }

    public IReadOnlyList<(T Adapter, string Name, string Version, double Weight)> Adapters { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) _release();
    }
}
