using Align.Adapters.Store;

namespace Server.Adapters;

/// <summary>
/// One model's view of the adapter store. <see cref="Refresh"/> (the watcher calls it with the store's current versions)
/// loads each new version, and only once it has loaded and validated swaps it in; a version that fails to load is
/// refused, logged once, and the previous version keeps serving. <see cref="Acquire"/> leases the current versions for
/// one run: a swapped-out or deleted version is unloaded when its last lease ends. Loaded weights are bounded: beyond
/// the budget, the least recently used adapters that no run holds are unloaded and reloaded on their next use.
/// </summary>
/// <typeparam name="T">a loaded adapter (weights on the model's device)</typeparam>
public sealed class AdapterRegistry<T> : IDisposable where T : class, IDisposable
{
    private sealed class Slot(AdapterVersion version)
    {
        public AdapterVersion Version { get; } = version;
        public T? Loaded;
        public long Bytes;
        public int Leases;
        public IReadOnlyDictionary<string, string> Metadata = new Dictionary<string, string>();
        public long LastUsed;
        public bool Retired;
    }

    private readonly object _gate = new();
    private readonly SemaphoreSlim _loading = new(1, 1); // loads are rare and heavy: one at a time
    private readonly Dictionary<string, Slot> _current = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Name, string Version), (AdapterVersion Version, string Error)> _failed = [];
    private readonly Func<AdapterVersion, T> _load;
    private readonly Func<T, long> _bytes;
    private readonly Func<T, IReadOnlyDictionary<string, string>>? _metadata;
    private readonly long _budget;
    private readonly IAdapterEvents _events;
    private long _clock;

    /// <param name="load">loads and validates a version's files for this model; throws with a message naming what is wrong</param>
    /// <param name="bytes">device memory a loaded adapter holds</param>
    /// <param name="metadata">what a loaded adapter's files say about it, kept for listing after it is unloaded</param>
    public AdapterRegistry(string model, Func<AdapterVersion, T> load, Func<T, long> bytes, long budgetBytes, IAdapterEvents events,
        Func<T, IReadOnlyDictionary<string, string>>? metadata = null)
    {
        _metadata = metadata;
        Model = model;
        _load = load;
        _bytes = bytes;
        _budget = budgetBytes;
        _events = events;
    }

    public string Model { get; }

    /// <summary>Brings the registry up to date with the store's current versions: loads new ones, swaps them in, retires deleted ones.</summary>
    public void Refresh(IReadOnlyList<AdapterVersion> current)
    {
        var names = current.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        lock (_gate)
        {
            foreach (var refused in _failed.Keys.Where(k => !names.Contains(k.Name)).ToArray()) _failed.Remove(refused);
            foreach (string gone in _current.Keys.Where(n => !names.Contains(n)).ToArray())
            {
                Retire(_current[gone]);
                _current.Remove(gone);
                _events.Removed(Model, gone);
            }
        }
        foreach (AdapterVersion version in current)
        {
            bool known;
            lock (_gate)
                known = (_current.TryGetValue(version.Name, out Slot? slot) && slot.Version.Version == version.Version)
                        || _failed.ContainsKey((version.Name, version.Version));
            if (!known) LoadAndSwap(version);
        }
    }

    /// <summary>
    /// Leases the named adapters' current versions, loading any that are not loaded. Throws KeyNotFoundException for a
    /// name the store does not have, InvalidDataException for one whose current version cannot be loaded.
    /// </summary>
    public AdapterLease<T> Acquire(IReadOnlyList<(string Name, double Weight)> choices)
    {
        var held = new List<Slot>();
        try
        {
            foreach ((string name, _) in choices)
            {
                Slot slot = EnsureLoaded(name);
                held.Add(slot);
            }
        }
        catch
        {
            Release(held);
            throw;
        }
        var adapters = held.Select((s, i) => (s.Loaded!, s.Version.Name, s.Version.Version, choices[i].Weight)).ToArray();
        return new AdapterLease<T>(adapters, () => Release(held));
    }

    /// <summary>Loads the adapter's current version now (PUT /adapters/{name}); returns its status.</summary>
    public AdapterStatus Load(string name)
    {
        Slot slot = EnsureLoaded(name);
        Release([slot]);
        return Status(name) ?? throw new KeyNotFoundException($"adapter '{name}' was deleted while it loaded");
    }

    /// <summary>Unloads the adapter's weights (DELETE /adapters/{name}) once no run holds them; it reloads on its next use. False if unknown.</summary>
    public bool Unload(string name)
    {
        lock (_gate)
        {
            if (!_current.TryGetValue(name, out Slot? slot)) return false;
            if (slot.Loaded is not null && slot.Leases == 0) Unload(slot);
            else if (slot.Loaded is not null) slot.LastUsed = long.MinValue; // first to go once free
            return true;
        }
    }

    /// <summary>Every adapter served, and every one the store has whose only versions were refused (with the error).</summary>
    public IReadOnlyList<AdapterStatus> List()
    {
        lock (_gate)
        {
            IEnumerable<AdapterStatus> refused = _failed.Values.Select(f => f.Version.Name).Distinct().Where(n => !_current.ContainsKey(n))
                .Select(n => NewestRefusal(n)!.Value).Select(f => new AdapterStatus(f.Version, false, 0, 0, f.Error));
            return _current.Values.Select(StatusOf).Concat(refused).OrderBy(s => s.Version.Name, StringComparer.Ordinal).ToArray();
        }
    }

    public AdapterStatus? Status(string name)
    {
        lock (_gate)
            return _current.TryGetValue(name, out Slot? slot) ? StatusOf(slot) : null;
    }

    /// <summary>Bytes of adapter weights loaded now (retired versions still in use included).</summary>
    public long LoadedBytes { get; private set; }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (Slot slot in _current.Values) Retire(slot);
            _current.Clear();
        }
        _loading.Dispose();
    }

    // The error shown is that of the newest refused version not older than the one serving.
    private AdapterStatus StatusOf(Slot slot)
    {
        string? error = NewestRefusal(slot.Version.Name, slot.Version.Number) is { } f ? $"version {f.Version.Version}: {f.Error}" : null;
        return new(slot.Version, slot.Loaded is not null, slot.Bytes, slot.Leases, error) { Metadata = slot.Metadata };
    }

    // Loads a version not yet served; on success it replaces the current one of its name, which retires.
    private void LoadAndSwap(AdapterVersion version)
    {
        _loading.Wait();
        try
        {
            lock (_gate)
                if ((_current.TryGetValue(version.Name, out Slot? existing) && existing.Version.Version == version.Version)
                    || _failed.ContainsKey((version.Name, version.Version)))
                    return; // another caller got here first
            var fresh = new Slot(version);
            if (!TryLoad(fresh)) return;
            lock (_gate)
            {
                bool swap = _current.TryGetValue(version.Name, out Slot? previous);
                if (previous is not null) Retire(previous);
                _current[version.Name] = fresh;
                Use(fresh);
                if (swap) _events.Swapped(Model, version.Name, previous!.Version.Version, version.Version);
                EnforceBudget(except: fresh);
            }
        }
        finally
        {
            _loading.Release();
        }
    }

    // The newest refused version of `name` numbered at least `atLeast`, or null (call under the gate).
    private (AdapterVersion Version, string Error)? NewestRefusal(string name, int atLeast = 0) =>
        _failed.Values.Where(f => f.Version.Name == name && f.Version.Number >= atLeast)
            .OrderByDescending(f => f.Version.Number).Select(f => ((AdapterVersion, string)?)f).FirstOrDefault();

    // The current slot of `name`, loaded, with one more lease.
    private Slot EnsureLoaded(string name)
    {
        while (true)
        {
            lock (_gate)
            {
                if (!_current.TryGetValue(name, out Slot? slot))
                {
                    if (NewestRefusal(name) is { } refused)
                        throw new InvalidDataException($"adapter '{name}' version {refused.Version.Version} cannot be loaded: {refused.Error}");
                    throw new KeyNotFoundException($"adapter '{name}' is not in the adapter store");
                }
                if (slot.Loaded is not null)
                {
                    slot.Leases++;
                    Use(slot);
                    return slot;
                }
                if (_failed.TryGetValue((name, slot.Version.Version), out var failure))
                    throw new InvalidDataException($"adapter '{name}' version {slot.Version.Version} cannot be loaded: {failure.Error}");
            }
            _loading.Wait();
            try
            {
                Slot? target;
                lock (_gate) target = _current.GetValueOrDefault(name);
                if (target is not null && target.Loaded is null && !target.Retired) TryLoad(target);
                lock (_gate)
                    if (target is { Loaded: not null, Retired: false }) EnforceBudget(except: target);
            }
            finally
            {
                _loading.Release();
            }
        }
    }

    // Loads the slot's version outside the gate (slow); records a failure instead of throwing.
    private bool TryLoad(Slot slot)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            T loaded = _load(slot.Version);
            long bytes = _bytes(loaded);
            IReadOnlyDictionary<string, string> metadata = _metadata?.Invoke(loaded) ?? slot.Metadata;
            lock (_gate)
            {
                if (slot.Retired)
                {
                    loaded.Dispose(); // deleted from the store while it loaded
                    return false;
                }
                slot.Loaded = loaded;
                slot.Bytes = bytes;
                slot.Metadata = metadata;
                LoadedBytes += bytes;
            }
            _events.Loaded(Model, slot.Version, watch.Elapsed);
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            lock (_gate) _failed[(slot.Version.Name, slot.Version.Version)] = (slot.Version, e.Message);
            _events.LoadFailed(Model, slot.Version, e);
            return false;
        }
    }

    private void Use(Slot slot) => slot.LastUsed = Interlocked.Increment(ref _clock);

    private void Release(IEnumerable<Slot> slots)
    {
        lock (_gate)
            foreach (Slot slot in slots)
            {
                slot.Leases--;
                if (slot.Leases == 0 && slot.Retired && slot.Loaded is not null) Unload(slot);
            }
    }

    private void Retire(Slot slot)
    {
        slot.Retired = true;
        if (slot.Leases == 0 && slot.Loaded is not null) Unload(slot);
    }

    private void Unload(Slot slot)
    {
        slot.Loaded!.Dispose();
        slot.Loaded = null;
        LoadedBytes -= slot.Bytes;
        slot.Bytes = 0;
    }

    // Unloads least recently used adapters no run holds until the loaded weights fit the budget.
    private void EnforceBudget(Slot except)
    {
        foreach (Slot victim in _current.Values.Where(s => s != except && s.Loaded is not null && s.Leases == 0).OrderBy(s => s.LastUsed).ToArray())
        {
            if (LoadedBytes <= _budget) return;
            Unload(victim);
            _events.Evicted(Model, victim.Version.Name);
        }
    }
}

/// <summary>What a registry reports: loads, failures, hot swaps, evictions and removals (logged and counted by the server).</summary>
public interface IAdapterEvents
{
    void Loaded(string model, AdapterVersion version, TimeSpan duration);
    void LoadFailed(string model, AdapterVersion version, Exception error);
    void Swapped(string model, string name, string from, string to);
    void Evicted(string model, string name);
    void Removed(string model, string name);
}
