using Align.Adapters.Store;
using Server.Adapters;

namespace Server.Tests.Adapters;

/// <summary>The registry's loading, hot swapping, refusal, eviction and removal, over a real store with stand-in adapters (the LoRA weights themselves are tested with the models).</summary>
public sealed class AdapterRegistryTests : IDisposable
{
    private sealed class FakeAdapter(string content) : IDisposable
    {
        public string Content { get; } = content;
        public bool Disposed { get; private set; }
        public void Dispose() => Disposed = true;
    }

    private sealed class Events : IAdapterEvents
    {
        public readonly List<string> Log = [];
        public void Loaded(string model, AdapterVersion version, TimeSpan duration) { lock (Log) Log.Add($"loaded {version.Name}@{version.Version}"); }
        public void LoadFailed(string model, AdapterVersion version, Exception error) { lock (Log) Log.Add($"failed {version.Name}@{version.Version}"); }
        public void Swapped(string model, string name, string from, string to) { lock (Log) Log.Add($"swapped {name} {from}->{to}"); }
        public void Evicted(string model, string name) { lock (Log) Log.Add($"evicted {name}"); }
        public void Removed(string model, string name) { lock (Log) Log.Add($"removed {name}"); }
    }

    private readonly string _root = Path.Combine(Path.GetTempPath(), $"registry-{Guid.NewGuid():N}");
    private readonly AdapterStore _store;
    private readonly Events _events = new();
    private int _loads;

    public AdapterRegistryTests() => _store = new AdapterStore(_root) { KeepPrevious = 10 };

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, true);
    }

    private AdapterRegistry<FakeAdapter> Registry(long budget = 1 << 20) => new("m", v =>
    {
        Interlocked.Increment(ref _loads);
        AdapterStore.Verify(v);
        string content = File.ReadAllText(Path.Combine(v.Directory, "weights.txt"));
        if (content.StartsWith("corrupt")) throw new InvalidDataException("weights.txt: unknown module 'nowhere.to_q'");
        return new FakeAdapter(content);
    }, a => a.Content.Length, budget, _events);

    private void Publish(string name, string content)
    {
        string source = Path.Combine(_root, $".src-{Guid.NewGuid():N}");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "weights.txt"), content);
        _store.Publish(name, source);
        Directory.Delete(source, true);
    }

    private void Refresh(AdapterRegistry<FakeAdapter> registry) => registry.Refresh(_store.CurrentVersions());

    [Fact]
    public void ANewVersionIsSwappedInWhileRunsOnTheOldOneFinishOnIt()
    {
        using var registry = Registry();
        Publish("a", "v1");
        Refresh(registry);
        AdapterLease<FakeAdapter> old = registry.Acquire([("a", 0.5)]);
        FakeAdapter first = old.Adapters[0].Adapter;
        Assert.Equal(("v1", "1", 0.5), (first.Content, old.Adapters[0].Version, old.Adapters[0].Weight));

        Publish("a", "v2");
        Refresh(registry);
        using (AdapterLease<FakeAdapter> fresh = registry.Acquire([("a", 1.0)]))
            Assert.Equal("v2", fresh.Adapters[0].Adapter.Content);
        Assert.False(first.Disposed, "the old version was unloaded under a run still using it");
        old.Dispose();
        Assert.True(first.Disposed, "the old version stayed loaded after its last run");
        Assert.Contains("swapped a 1->2", _events.Log);
    }

    [Fact]
    public void ACorruptVersionIsRefusedAndThePreviousKeepsServing()
    {
        using var registry = Registry();
        Publish("a", "good");
        Refresh(registry);
        Publish("a", "corrupt");
        Refresh(registry);
        Refresh(registry); // a refused version is not retried at every poll
        Assert.Equal(1, _events.Log.Count(l => l == "failed a@2"));
        using (AdapterLease<FakeAdapter> lease = registry.Acquire([("a", 1.0)]))
            Assert.Equal(("good", "1"), (lease.Adapters[0].Adapter.Content, lease.Adapters[0].Version));
        AdapterStatus status = registry.Status("a")!;
        Assert.Equal("1", status.Version.Version);
        Assert.Contains("version 2: weights.txt: unknown module", status.Error);

        Publish("b", "corrupt");
        Refresh(registry);
        var error = Assert.Throws<InvalidDataException>(() => registry.Acquire([("b", 1.0)]));
        Assert.Contains("adapter 'b' version 1 cannot be loaded", error.Message);
        Assert.Contains(registry.List(), s => s.Version.Name == "b" && !s.Loaded && s.Error!.Contains("unknown module"));
    }

    [Fact]
    public void ADeletedAdapterIsUnloadedOnceUnused()
    {
        using var registry = Registry();
        Publish("a", "v1");
        Refresh(registry);
        AdapterLease<FakeAdapter> lease = registry.Acquire([("a", 1.0)]);
        _store.Delete("a");
        Refresh(registry);
        Assert.Throws<KeyNotFoundException>(() => registry.Acquire([("a", 1.0)]));
        Assert.False(lease.Adapters[0].Adapter.Disposed);
        lease.Dispose();
        Assert.True(lease.Adapters[0].Adapter.Disposed);
        Assert.Empty(registry.List());
        Assert.Equal(0, registry.LoadedBytes);
    }

    [Fact]
    public void TheLeastRecentlyUsedUnusedAdapterIsEvictedAndReloadedOnDemand()
    {
        using var registry = Registry(budget: 25);
        foreach (string name in new[] { "a", "b", "c" }) Publish(name, new string('x', 10));
        Refresh(registry); // loads a, b, then c evicts a (the least recently used)
        Assert.Equal(20, registry.LoadedBytes);
        Assert.Equal(["evicted a"], _events.Log.Where(l => l.StartsWith("evicted")));
        Assert.False(registry.Status("a")!.Loaded);

        using (AdapterLease<FakeAdapter> lease = registry.Acquire([("a", 1.0), ("c", 1.0)])) // reloads a, evicting b
        {
            Assert.Equal(4, _loads);
            Assert.Equal(20, registry.LoadedBytes);
            Assert.False(registry.Status("b")!.Loaded);
        }
        Assert.True(registry.Unload("c"));
        Assert.Equal(10, registry.LoadedBytes);
        Assert.False(registry.Unload("nope"));
    }

    [Fact]
    public void UnknownAdaptersAreNamed()
    {
        using var registry = Registry();
        var error = Assert.Throws<KeyNotFoundException>(() => registry.Acquire([("ghost", 1.0)]));
        Assert.Contains("adapter 'ghost' is not in the adapter store", error.Message);
    }

    [Fact]
    public async Task HotSwapsUnderLoadNeverHandARunAnUnloadedOrMixedVersion()
    {
        using var registry = Registry();
        Publish("a", "v1");
        Publish("b", "v1");
        Refresh(registry);
        using var stop = new CancellationTokenSource();
        int runs = 0;
        var failures = new List<string>();
        Task[] workers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                using AdapterLease<FakeAdapter> lease = registry.Acquire([("a", 1.0), ("b", 1.0)]);
                Thread.SpinWait(2000);
                foreach (var (adapter, name, version, _) in lease.Adapters)
                    if (adapter.Disposed || adapter.Content != $"v{version}")
                        lock (failures) failures.Add($"{name}@{version}: {(adapter.Disposed ? "unloaded during the run" : adapter.Content)}");
                Interlocked.Increment(ref runs);
            }
        })).ToArray();
        for (int v = 2; v <= 12; v++)
        {
            Publish(v % 2 == 0 ? "a" : "b", $"v{v / 2 + 1}");
            Refresh(registry);
            await Task.Delay(5);
        }
        stop.Cancel();
        await Task.WhenAll(workers);
        Assert.Empty(failures);
        Assert.True(runs > 10, $"only {runs} runs overlapped the swaps");
        Assert.Equal(["7", "6"], new[] { "a", "b" }.Select(n => registry.Status(n)!.Version.Version));
        Assert.Equal(2 * 2, registry.LoadedBytes); // only the current versions remain loaded ("v7", "v6")
    }
}
