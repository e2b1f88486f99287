using Google.Protobuf;

namespace Server.Grpc;

/// <summary>
/// One gRPC call as a service method sees it: its request message, its deadline (from grpc-timeout), the client's
/// cancellation, and the response messages it sends.
/// </summary>
public sealed class GrpcCall : IDisposable
{
    private readonly GrpcOptions _options;
    private readonly CancellationTokenSource? _deadline;
    private readonly CancellationTokenSource _ended;

    public GrpcCall(HttpContext context, TimeSpan? timeout, GrpcOptions options)
    {
        Context = context;
        Timeout = timeout;
        _options = options;
        _deadline = timeout is { } t ? new CancellationTokenSource(t) : null;
        _ended = _deadline is null
            ? CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted)
            : CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _deadline.Token);
    }

    public HttpContext Context { get; }

    /// <summary>The client's deadline, counted from the arrival of the call; null without grpc-timeout.</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>Fires when the client cancels (RST_STREAM) or goes away.</summary>
    public CancellationToken ClientCancelled => Context.RequestAborted;

    /// <summary>Fires when the client cancels or the deadline passes: the call is over either way.</summary>
    public CancellationToken Ended => _ended.Token;

    public bool DeadlinePassed => _deadline?.IsCancellationRequested == true;

    /// <summary>Reads the one request message of a unary or server-streaming call.</summary>
    public async Task<T> ReadRequestAsync<T>(MessageParser<T> parser) where T : IMessage<T>
    {
        string? encoding = Context.Request.Headers["grpc-encoding"];
        byte[] message = await GrpcMessageReader.ReadAsync(Context.Request.BodyReader, _options.MaxReceiveMessageSize, encoding, Ended)
                         ?? throw new GrpcException(GrpcStatusCode.Internal, "the call carried no request message");
        if (await GrpcMessageReader.ReadAsync(Context.Request.BodyReader, _options.MaxReceiveMessageSize, encoding, Ended) is not null)
            throw new GrpcException(GrpcStatusCode.Internal, "the call carried more than one request message");
        try
        {
            return parser.ParseFrom(message);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new GrpcException(GrpcStatusCode.Internal, $"the request message is not a valid {typeof(T).Name}: {e.Message}");
        }
    }

    public Task WriteAsync(IMessage message) =>
        GrpcMessageWriter.WriteAsync(Context.Response.BodyWriter, message, _options.MaxSendMessageSize, Ended).AsTask();

    public void Dispose()
    {
        _ended.Dispose();
        _deadline?.Dispose();
    }
}
