using Align.Adapters.Store;

namespace Align.Tests.Adapters;

public sealed class AdapterStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"store-{Guid.NewGuid():N}");
    private readonly string _source = Path.Combine(Path.GetTempPath(), $"adapter-{Guid.NewGuid():N}");

    public AdapterStoreTests()
    {
        Directory.CreateDirectory(_source);
        File.WriteAllText(Path.Combine(_source, "adapter_config.json"), "{\"r\": 4}");
        File.WriteAllBytes(Path.Combine(_source, "adapter_model.safetensors"), Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray());
    }

    public void Dispose()
    {
        foreach (string d in new[] { _root, _source })
            if (Directory.Exists(d)) Directory.Delete(d, true);
    }

    [Fact]
    public void PublishedVersionsAreNumberedAndTheLastIsCurrent()
    {
        var store = new AdapterStore(_root);
        Assert.Null(store.Current("dpo-shapes"));
        AdapterVersion first = store.Publish("dpo-shapes", _source, new Dictionary<string, string> { ["method"] = "dpo" });
        File.WriteAllText(Path.Combine(_source, "adapter_config.json"), "{\"r\": 8}");
        AdapterVersion second = store.Publish("dpo-shapes", _source);
        Assert.Equal(("1", "2"), (first.Version, second.Version));

        AdapterVersion current = store.Current("dpo-shapes")!;
        Assert.Equal("2", current.Version);
        Assert.Equal("{\"r\": 8}", File.ReadAllText(Path.Combine(current.Directory, "adapter_config.json")));
        Assert.Equal(["adapter_config.json", "adapter_model.safetensors"], current.Files.Keys.Order());
        AdapterStore.Verify(current);
        Assert.Equal("dpo", store.Publish("dpo-shapes", _source, new Dictionary<string, string> { ["method"] = "dpo" }).Annotations["method"]);
        Assert.Equal("dpo", store.Current("dpo-shapes")!.Annotations["method"]);
        Assert.Equal(["dpo-shapes"], store.CurrentVersions().Select(v => v.Name));
    }

    [Fact]
    public void OldVersionsArePrunedAndNoStagingIsLeft()
    {
        var store = new AdapterStore(_root) { KeepPrevious = 1 };
        for (int i = 0; i < 4; i++) store.Publish("a", _source);
        Assert.Equal([".lock", "3", "4", AdapterStore.ManifestFile], Directory.GetFileSystemEntries(Path.Combine(_root, "a")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void AFileChangedAfterPublishingFailsVerification()
    {
        var store = new AdapterStore(_root);
        AdapterVersion v = store.Publish("a", _source);
        byte[] bytes = File.ReadAllBytes(Path.Combine(v.Directory, "adapter_model.safetensors"));
        bytes[100] ^= 1;
        File.WriteAllBytes(Path.Combine(v.Directory, "adapter_model.safetensors"), bytes);
        var error = Assert.Throws<InvalidDataException>(() => AdapterStore.Verify(store.Current("a")!));
        Assert.Contains("adapter_model.safetensors does not match its manifest", error.Message);
    }

    [Fact]
    public void AManifestWithoutItsVersionIsReportedNotServed()
    {
        var store = new AdapterStore(_root);
        store.Publish("good", _source);
        AdapterVersion bad = store.Publish("bad", _source);
        Directory.Delete(bad.Directory, true);
        Directory.CreateDirectory(Path.Combine(_root, "garbled"));
        File.WriteAllText(Path.Combine(_root, "garbled", AdapterStore.ManifestFile), "{ not json");
        var problems = new List<string>();
        Assert.Equal(["good"], store.CurrentVersions(problems).Select(v => v.Name));
        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("bad:") && p.Contains("has no folder"));
        Assert.Contains(problems, p => p.StartsWith("garbled:") && p.Contains("not a valid manifest"));
    }

    [Fact]
    public void DeleteRemovesTheAdapter()
    {
        var store = new AdapterStore(_root);
        store.Publish("a", _source);
        Assert.True(store.Delete("a"));
        Assert.Null(store.Current("a"));
        Assert.False(store.Delete("a"));
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    [Theory]
    [InlineData("")]
    [InlineData("../escape")]
    [InlineData("Upper")]
    [InlineData(".hidden")]
    public void InvalidNamesAreRefused(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => new AdapterStore(_root).Publish(name, _source));
        Assert.Contains($"adapter name '{name}' is not valid", error.Message);
    }

    [Fact]
    public void ConcurrentPublishersGetDistinctVersions()
    {
        var store = new AdapterStore(_root) { KeepPrevious = 100 };
        string[] versions = new string[8];
        Parallel.For(0, versions.Length, i => versions[i] = store.Publish("a", _source).Version);
        Assert.Equal(Enumerable.Range(1, 8).Select(i => i.ToString()), versions.Order().OrderBy(int.Parse));
        Assert.Equal("8", store.Current("a")!.Version); // the highest version wins, whatever order the manifests were written in
        AdapterStore.Verify(store.Current("a")!);
    }
}
