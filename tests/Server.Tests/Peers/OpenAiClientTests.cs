using System.Text.Json;
using Server.Tests.RealProcess;

namespace Server.Tests.Peers;

/// <summary>A real server that requires an API key and returns images by URL when asked.</summary>
public sealed class OpenAiServerFixture() : ConfiguredServerFixture(("Server__ApiKey", KeyedServerFixture.Key), ("Server__OpenAi__ImageUrls", "true"));

/// <summary>The official openai npm client against POST /v1/images/generations: images, typed errors, streaming, API keys.</summary>
public sealed class OpenAiClientTests(OpenAiServerFixture fixture) : IClassFixture<OpenAiServerFixture>
{
    private Task<JsonElement> Run(string scenario) => OpenAiPeerClient.RunAsync(fixture.Server, KeyedServerFixture.Key, scenario);

    private static void AssertError(JsonElement r, string errorClass, int status, string type, string? param, string code, string messagePart)
    {
        Assert.False(r.GetProperty("ok").GetBoolean(), r.ToString());
        Assert.True(r.GetProperty("is_api_error").GetBoolean(), r.ToString());
        Assert.Equal((errorClass, status, type, param, code),
            (r.GetProperty("class").GetString(), r.GetProperty("status").GetInt32(), r.GetProperty("type").GetString(), r.GetProperty("param").GetString(),
                r.GetProperty("code").GetString()));
        Assert.Contains(messagePart, r.GetProperty("message").GetString());
    }

    [Fact]
    public async Task GenerateReturnsB64JsonPngsOfTheRequestedSizeWithTheKeyAccepted()
    {
        JsonElement r = await Run("generate");
        Assert.True(r.GetProperty("ok").GetBoolean(), r.ToString());
        Assert.Equal(2, r.GetProperty("count").GetInt32());
        foreach (JsonElement image in r.GetProperty("images").EnumerateArray())
            Assert.Equal((64, 64), (image.GetProperty("width").GetInt32(), image.GetProperty("height").GetInt32()));
        Assert.Equal(("png", "64x64"), (r.GetProperty("output_format").GetString(), r.GetProperty("size").GetString()));
        Assert.True(Math.Abs(r.GetProperty("created").GetInt64() - DateTimeOffset.UtcNow.ToUnixTimeSeconds()) < 300, r.ToString());
    }

    [Fact]
    public async Task BadSizeIsATypedBadRequestErrorNamingSize() =>
        AssertError(await Run("bad-size"), "BadRequestError", 400, "invalid_request_error", "size", "invalid_value", "width must be a multiple of");

    [Fact]
    public async Task UrlResponseFormatGivesLinksToThePngsWhereConfigured()
    {
        JsonElement r = await Run("url");
        Assert.True(r.GetProperty("ok").GetBoolean(), r.ToString());
        string[] urls = r.GetProperty("urls").EnumerateArray().Select(u => u.GetString()!).ToArray();
        Assert.Equal(2, urls.Distinct().Count());
        Assert.All(urls, u => Assert.StartsWith($"{fixture.Server.HttpBase}v1/images/files/", u));
        foreach (JsonElement image in r.GetProperty("images").EnumerateArray())
            Assert.Equal((200, "image/png", false, 64, 64), (image.GetProperty("status").GetInt32(), image.GetProperty("type").GetString(),
                image.GetProperty("has_b64").GetBoolean(), image.GetProperty("width").GetInt32(), image.GetProperty("height").GetInt32()));
        Assert.Equal(404, r.GetProperty("unknown_status").GetInt32());
    }

    [Fact]
    public async Task UnknownParameterAndUnknownModelAreTypedErrors()
    {
        AssertError(await Run("bad-format"), "BadRequestError", 400, "invalid_request_error", "size_format_typo", "unknown_parameter", "Unknown parameter");
        AssertError(await Run("unknown-model"), "NotFoundError", 404, "invalid_request_error", "model", "model_not_found", "'dall-e-3' is not served here");
    }

    [Fact]
    public async Task ExtensionsObjectCarriesTheServersOwnFields()
    {
        JsonElement r = await Run("extensions");
        Assert.True(r.GetProperty("ok").GetBoolean(), r.ToString());
        Assert.True(r.GetProperty("same_seed_same_image").GetBoolean(), "the same extensions.seed gave different images");
        Assert.True(r.GetProperty("other_seed_differs").GetBoolean(), "another extensions.seed gave the same image");
        AssertError(await Run("bad-extension"), "BadRequestError", 400, "invalid_request_error", "extensions.steps", "invalid_value", "steps must be between 1 and");
    }

    [Fact]
    public async Task StreamSendsPartialImagesThenTheCompletedImage()
    {
        JsonElement r = await Run("stream");
        Assert.True(r.GetProperty("ok").GetBoolean(), r.ToString());
        JsonElement[] events = r.GetProperty("events").EnumerateArray().ToArray();
        Assert.Equal(["image_generation.partial_image", "image_generation.partial_image", "image_generation.completed"],
            events.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal([0, 1], events[..2].Select(e => e.GetProperty("partial_image_index").GetInt32()));
        foreach (JsonElement e in events)
            Assert.Equal((64, 64), (e.GetProperty("image").GetProperty("width").GetInt32(), e.GetProperty("image").GetProperty("height").GetInt32()));
    }

    [Fact]
    public async Task WrongApiKeyIsAnAuthenticationError() =>
        AssertError(await Run("wrong-key"), "AuthenticationError", 401, "invalid_request_error", null, "invalid_api_key", "a valid API key is required");
}
