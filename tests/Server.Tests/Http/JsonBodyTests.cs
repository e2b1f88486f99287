using System.Net;
using System.Text;
using System.Text.Json;

namespace Server.Tests.Http;

/// <summary>
/// A body that is not the request (not JSON, JSON null, unparseable, an unknown field, a wrong type) is refused by each
/// HTTP API in its own error shape, naming the field where there is one.
/// </summary>
public sealed class JsonBodyTests : IAsyncLifetime
{
    private InProcessServer? _server;

    public async Task InitializeAsync() => _server = await InProcessServer.StartAsync();
    public async Task DisposeAsync() => await _server!.DisposeAsync();

    private async Task<(HttpStatusCode Status, JsonElement Body)> Post(string route, string body, string mediaType = "application/json")
    {
        HttpResponseMessage r = await _server!.Client.PostAsync(route, new StringContent(body, Encoding.UTF8, mediaType));
        return (r.StatusCode, await InProcessServer.Json(r));
    }

    [Theory]
    [InlineData("a red circle", "text/plain", "the body must be JSON (Content-Type: application/json)", null)]
    [InlineData("null", "application/json", "the body must be a JSON object", null)]
    [InlineData("{\"prompt\": ", "application/json", "invalid JSON body at 'prompt': ", "prompt")]
    [InlineData("{\"prompt\": \"x\", \"widht\": 64}", "application/json", "invalid JSON body at 'widht': unknown field", "widht")]
    [InlineData("{\"prompt\": \"x\", \"alignment\": {\"n\": \"four\"}}", "application/json", "invalid JSON body at 'alignment.n': wrong type of value", "alignment.n")]
    public async Task Generate(string body, string mediaType, string message, string? field)
    {
        (HttpStatusCode status, JsonElement json) = await Post("/generate", body, mediaType);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        JsonElement error = json.GetProperty("error");
        Assert.Equal("invalid_argument", error.GetProperty("code").GetString());
        Assert.StartsWith(message, error.GetProperty("message").GetString());
        Assert.Equal(field, error.TryGetProperty("field", out JsonElement f) ? f.GetString() : null);
    }

    [Theory]
    [InlineData("a red circle", "text/plain", "the body must be JSON (Content-Type: application/json)", null, null)]
    [InlineData("null", "application/json", "the body must be a JSON object", null, null)]
    [InlineData("{\"prompt\": ", "application/json", "We could not parse the JSON body of your request at 'prompt'.", "prompt", null)]
    [InlineData("{\"prompt\": \"x\", \"sise\": \"64x64\"}", "application/json", "Unknown parameter: 'sise'.", "sise", "unknown_parameter")]
    [InlineData("{\"prompt\": \"x\", \"n\": \"two\"}", "application/json", "Invalid type for 'n'.", "n", null)]
    public async Task OpenAi(string body, string mediaType, string message, string? param, string? code)
    {
        (HttpStatusCode status, JsonElement json) = await Post("/v1/images/generations", body, mediaType);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        JsonElement error = json.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.StartsWith(message, error.GetProperty("message").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        if (code is not null) Assert.Equal(code, error.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("a red circle", "text/plain", "the body must be JSON (Content-Type: application/json)", "body")]
    [InlineData("null", "application/json", "the body must be a JSON object", "body")]
    [InlineData("{\"prompt\": ", "application/json", "invalid JSON body at 'prompt'", "prompt")]
    [InlineData("{\"prompt\": \"x\", \"steps\": \"many\"}", "application/json", "steps: wrong type of value", "steps")]
    public async Task Automatic1111(string body, string mediaType, string message, string field)
    {
        (HttpStatusCode status, JsonElement json) = await Post("/sdapi/v1/txt2img", body, mediaType);
        Assert.Equal((HttpStatusCode)422, status);
        JsonElement detail = json.GetProperty("detail")[0];
        Assert.Equal(field == "body" ? ["body"] : ["body", field], detail.GetProperty("loc").EnumerateArray().Select(l => l.GetString()));
        Assert.StartsWith(message, detail.GetProperty("msg").GetString());
    }
}
