using System.Text.Json;
using Server.Tests.Adapters;
using Server.Tests.RealProcess;

namespace Server.Tests.Peers;

/// <summary>A real server watching an adapter store that holds one adapter before it starts.</summary>
public sealed class AdapterStoreServerFixture : IAsyncLifetime
{
    public const string Adapter = "grpc-shift";
    public readonly string Store = Path.Combine(Path.GetTempPath(), $"grpc-adapters-{Guid.NewGuid():N}");
    private ServerProcess? _server;
    public ServerProcess Server => _server ?? throw new InvalidOperationException("the server has not started");

    public async Task InitializeAsync()
    {
        AdapterFiles.Publish(Store, Adapter, seed: 21);
        _server = await ServerProcess.StartAsync(("Server__Adapters__Store", Store), ("Server__Adapters__PollSeconds", "0.2"));
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        Directory.Delete(Store, true);
    }
}

/// <summary>Adapters over gRPC, driven by Python grpcio: list, unload, load, and generate with one (the response names the version used).</summary>
public sealed class GrpcAdapterTests(AdapterStoreServerFixture fixture) : IClassFixture<AdapterStoreServerFixture>
{
    [Fact]
    public async Task ListLoadUnloadAndGenerateWithAnAdapter()
    {
        JsonElement r = default;
        // the watcher reads the store within its poll interval of the server becoming ready
        for (int i = 0; i < 50; i++)
        {
            r = await new PythonGrpcClient().RunAsync(fixture.Server.GrpcTarget, "adapters", AdapterStoreServerFixture.Adapter);
            if (r.GetProperty("listed").GetArrayLength() > 0) break;
            await Task.Delay(200);
        }
        JsonElement listed = Assert.Single(r.GetProperty("listed").EnumerateArray());
        Assert.Equal((AdapterStoreServerFixture.Adapter, "1"), (listed.GetProperty("name").GetString(), listed.GetProperty("version").GetString()));
        Assert.Equal("test", listed.GetProperty("annotations").GetProperty("method").GetString());
        Assert.EndsWith("Z", listed.GetProperty("published_at").GetString());

        Assert.False(r.GetProperty("unload").GetProperty("models")[0].GetProperty("loaded").GetBoolean(), r.ToString());
        JsonElement loaded = r.GetProperty("load").GetProperty("models")[0];
        Assert.True(loaded.GetProperty("loaded").GetBoolean(), r.ToString());
        Assert.True(loaded.GetProperty("bytes").GetInt64() > 0);
        Assert.Equal("NOT_FOUND", r.GetProperty("load_unknown").GetProperty("code").GetString());
        Assert.Equal("NOT_FOUND", r.GetProperty("load_unknown_model").GetProperty("code").GetString());

        JsonElement with = r.GetProperty("with_adapter");
        Assert.True(with.GetProperty("code").GetString() == "OK", with.ToString());
        JsonElement applied = Assert.Single(with.GetProperty("adapters").EnumerateArray());
        Assert.Equal((AdapterStoreServerFixture.Adapter, "1", 0.9), (applied.GetProperty("name").GetString(), applied.GetProperty("version").GetString(), applied.GetProperty("weight").GetDouble()));
        string plain = r.GetProperty("plain").GetProperty("images")[0].GetProperty("png_base64").GetString()!;
        string adapted = with.GetProperty("images")[0].GetProperty("png_base64").GetString()!;
        Assert.True(PngPixels.MaxDifference(plain, adapted) > 16, "the adapter did not change the image");

        JsonElement missing = r.GetProperty("missing");
        Assert.Equal("NOT_FOUND", missing.GetProperty("code").GetString());
        Assert.Contains("ghost", missing.GetProperty("details").GetString());
    }
}
