using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Align.V1;
using Google.Protobuf;
using Server.Tests.RealProcess;

namespace Server.Tests.Peers;

/// <summary>
/// The gRPC HTTP/2 protocol as it appears on the wire, sent with a plain HTTP/2 client (h2c) that, unlike gRPC clients,
/// enforces nothing itself: so what these tests see is the server's doing (its deadline, its status headers).
/// </summary>
public sealed class GrpcWireTests(RealServerFixture fixture) : IClassFixture<RealServerFixture>
{
    private const string Generate = "/align.v1.GenerationService/Generate";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    // HTTP/2 without TLS needs prior knowledge: exactly version 2.0.
    private HttpRequestMessage Post(string path, HttpContent content) => new(HttpMethod.Post, new Uri($"http://{fixture.Server.GrpcTarget}{path}"))
    {
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Content = content,
    };

    private static byte[] Frame(IMessage message, byte compressedFlag = 0)
    {
        byte[] payload = message.ToByteArray();
        var frame = new byte[5 + payload.Length];
        frame[0] = compressedFlag;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    private async Task<HttpResponseMessage> Call(string path, byte[] body, params (string Name, string Value)[] headers)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        using HttpRequestMessage request = Post(path, content);
        request.Headers.TryAddWithoutValidation("te", "trailers");
        foreach ((string name, string value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        HttpResponseMessage response = await Http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private static string? Single(HttpHeaders headers, string name) => headers.TryGetValues(name, out var v) ? v.Single() : null;

    [Fact]
    public async Task NonGrpcContentTypeGets415()
    {
        using HttpRequestMessage request = Post(Generate, new StringContent("""{"prompt": "a red circle"}""", new MediaTypeHeaderValue("application/json")));
        using HttpResponseMessage response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task ErrorBeforeAnyMessageIsTrailersOnly()
    {
        using HttpResponseMessage response = await Call("/align.v1.GenerationService/Nope", Frame(new GenerateRequest { Prompt = "x" }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("12", Single(response.Headers, "grpc-status"));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("identity", Single(response.Headers, "grpc-accept-encoding"));
    }

    [Fact]
    public async Task SuccessSendsOneMessageThenStatusTrailers()
    {
        using HttpResponseMessage response = await Call(Generate, Frame(new GenerateRequest { Prompt = "a red circle", Seed = 3, Steps = 4 }));
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(0, body[0]);
        Assert.Equal(body.Length - 5, (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1)));
        Assert.Equal(3, GenerateResponse.Parser.ParseFrom(body.AsSpan(5).ToArray()).Images[0].Seed);
        Assert.Null(Single(response.Headers, "grpc-status"));
        Assert.Equal("0", Single(response.TrailingHeaders, "grpc-status"));
    }

    [Fact]
    public async Task ServerEndsTheCallAtTheGrpcTimeout()
    {
        var watch = Stopwatch.StartNew();
        using HttpResponseMessage response = await Call(Generate, Frame(new GenerateRequest { Prompt = "a red circle", Steps = 100 }), ("grpc-timeout", "300m"));
        Assert.Equal("4", Single(response.Headers, "grpc-status"));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"the call took {watch.Elapsed}");
    }

    [Fact]
    public async Task StreamErrorAfterMessagesComesInTrailers()
    {
        using HttpResponseMessage response = await Call("/align.v1.GenerationService/GenerateStream",
            Frame(new GenerateRequest { Prompt = "a red circle", Steps = 100 }), ("grpc-timeout", "500m"));
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(body.Length > 5, "no message before the deadline");
        Assert.Equal(GenerateEvent.EventOneofCase.Queued, GenerateEvent.Parser.ParseFrom(body.AsSpan(5, (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1))).ToArray()).EventCase);
        Assert.Equal("4", Single(response.TrailingHeaders, "grpc-status"));
    }

    [Fact]
    public async Task MalformedGrpcTimeoutIsInternal()
    {
        using HttpResponseMessage response = await Call(Generate, Frame(new GenerateRequest { Prompt = "a red circle" }), ("grpc-timeout", "123456789S"));
        Assert.Equal("13", Single(response.Headers, "grpc-status"));
    }

    [Fact]
    public async Task CompressedMessageInAnUnsupportedEncodingIsUnimplemented()
    {
        using HttpResponseMessage response = await Call(Generate, Frame(new GenerateRequest { Prompt = "a red circle" }, compressedFlag: 1), ("grpc-encoding", "gzip"));
        Assert.Equal("12", Single(response.Headers, "grpc-status"));
        Assert.Contains("gzip", Uri.UnescapeDataString(Single(response.Headers, "grpc-message")!));
    }

    [Fact]
    public async Task StatusMessageIsPercentEncodedUtf8()
    {
        using HttpResponseMessage response = await Call(Generate, Frame(new GenerateRequest { Prompt = "a red circle", Model = "modèle 100%" }));
        Assert.Equal("5", Single(response.Headers, "grpc-status"));
        string raw = Single(response.Headers, "grpc-message")!;
        Assert.Contains("mod%C3%A8le 100%25", raw);
        Assert.Contains("model 'modèle 100%'", Uri.UnescapeDataString(raw));
    }
}
