using System.Text.Json;
using Server.Tests.RealProcess;

namespace Server.Tests.Peers;

/// <summary>A real server that requires an API key (and has no optional features configured).</summary>
public sealed class KeyedServerFixture() : ConfiguredServerFixture(("Server__ApiKey", KeyedServerFixture.Key))
{
    public const string Key = "compat-peer-key";
}

/// <summary>
/// curl against the OpenAI and AUTOMATIC1111 routes of a server with an API key: a missing key is refused in each API's
/// own error shape; response_format "url" is refused where it is not configured.
/// </summary>
public sealed class KeyedServerCurlTests(KeyedServerFixture fixture) : IClassFixture<KeyedServerFixture>
{
    private async Task<(int Status, JsonElement Body)> Curl(params string[] args)
    {
        Tool.Result r = await Tool.RunAsync("curl", ["-sS", .. args, "-w", "\n%{http_code}"], installHint: "apt-get install curl");
        int cut = r.Stdout.LastIndexOf('\n');
        Assert.True(cut > 0, r.ToString());
        using JsonDocument doc = JsonDocument.Parse(r.Stdout[..cut]);
        return (int.Parse(r.Stdout[(cut + 1)..]), doc.RootElement.Clone());
    }

    [Fact]
    public async Task OpenAiRouteRefusesAMissingKeyInOpenAisEnvelope()
    {
        (int status, JsonElement body) = await Curl("-X", "POST", $"{fixture.Server.HttpBase}v1/images/generations", "-H", "Content-Type: application/json",
            "-d", """{"prompt": "a red circle"}""");
        Assert.Equal(401, status);
        JsonElement error = body.GetProperty("error");
        Assert.Equal(("invalid_request_error", "invalid_api_key", JsonValueKind.Null),
            (error.GetProperty("type").GetString(), error.GetProperty("code").GetString(), error.GetProperty("param").ValueKind));
    }

    [Fact]
    public async Task OpenAiUrlResponseFormatIsRefusedWhereNotConfigured()
    {
        (int status, JsonElement body) = await Curl("-X", "POST", $"{fixture.Server.HttpBase}v1/images/generations", "-H", "Content-Type: application/json",
            "-H", $"Authorization: Bearer {KeyedServerFixture.Key}", "-d", """{"prompt": "a red circle", "response_format": "url"}""");
        Assert.Equal(400, status);
        JsonElement error = body.GetProperty("error");
        Assert.Equal(("invalid_request_error", "response_format", "invalid_value"),
            (error.GetProperty("type").GetString(), error.GetProperty("param").GetString(), error.GetProperty("code").GetString()));
        Assert.Contains("'url' is not configured on this server (Server:OpenAi:ImageUrls); use 'b64_json'", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Automatic1111RoutesRefuseAMissingKeyAndTakeABearerKey()
    {
        (int status, JsonElement body) = await Curl($"{fixture.Server.HttpBase}sdapi/v1/options");
        Assert.Equal(401, status);
        Assert.Equal("HTTPException", body.GetProperty("error").GetString());
        Assert.Contains("API key is required", body.GetProperty("detail").GetString());

        (status, body) = await Curl($"{fixture.Server.HttpBase}sdapi/v1/options", "-H", $"Authorization: Bearer {KeyedServerFixture.Key}");
        Assert.Equal(200, status);
        Assert.Equal("shapeworld", body.GetProperty("sd_model_checkpoint").GetString());
    }
}
