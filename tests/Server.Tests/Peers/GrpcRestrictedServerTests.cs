using System.Text.Json;
using Server.Tests.RealProcess;

namespace Server.Tests.Peers;

public sealed class ApiKeyServerFixture() : ConfiguredServerFixture(("Server__ApiKey", Key))
{
    public const string Key = "grpc-test-key";
}

public sealed class SmallMessageServerFixture() : ConfiguredServerFixture(("Server__Grpc__MaxReceiveMessageSize", "1024"));

/// <summary>A server with an API key, driven by Python grpcio: the key is checked on every method but health.</summary>
public sealed class GrpcApiKeyTests(ApiKeyServerFixture fixture) : IClassFixture<ApiKeyServerFixture>
{
    [Fact]
    public async Task EveryMethodButHealthNeedsTheKey()
    {
        JsonElement r = await new PythonGrpcClient().RunAsync(fixture.Server.GrpcTarget, "api_key", ApiKeyServerFixture.Key);
        Assert.Equal("UNAUTHENTICATED", r.GetProperty("no_key").GetProperty("code").GetString());
        Assert.Equal("UNAUTHENTICATED", r.GetProperty("wrong_key").GetProperty("code").GetString());
        Assert.Equal("UNAUTHENTICATED", r.GetProperty("list_models_no_key").GetProperty("code").GetString());
        Assert.True(r.GetProperty("bearer").GetProperty("code").GetString() == "OK", r.ToString());
        Assert.True(r.GetProperty("x_api_key").GetProperty("code").GetString() == "OK", r.ToString());
        Assert.Equal("SERVING", r.GetProperty("health_no_key").GetProperty("status").GetString());
    }
}

/// <summary>A server whose request messages may be at most 1 KiB (Server:Grpc:MaxReceiveMessageSize), driven by Python grpcio.</summary>
public sealed class GrpcMessageLimitTests(SmallMessageServerFixture fixture) : IClassFixture<SmallMessageServerFixture>
{
    [Fact]
    public async Task LargerRequestMessageIsResourceExhausted()
    {
        var client = new PythonGrpcClient();
        JsonElement large = await client.RunAsync(fixture.Server.GrpcTarget, "too_large", "2000");
        Assert.True(large.GetProperty("code").GetString() == "RESOURCE_EXHAUSTED", large.ToString());
        Assert.Contains("1024", large.GetProperty("details").GetString());
        JsonElement small = await client.RunAsync(fixture.Server.GrpcTarget, "too_large", "100");
        Assert.True(small.GetProperty("code").GetString() == "OK", small.ToString());
    }
}
