using System.Globalization;

namespace Server.Grpc;

/// <summary>
/// Ends a response with its status: as HTTP/2 trailers after the messages, or, where no message was sent, as a
/// trailers-only response (grpc-status in the one HEADERS frame, no body), as the spec asks for calls that fail at once
/// (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#responses).
/// </summary>
public static class GrpcResponseStatus
{
    public const string StatusHeader = "grpc-status";

    /// <summary>Trailer telling a retrying client how long to wait (gRFC A6, "grpc-retry-pushback-ms").</summary>
    public const string RetryPushbackHeader = "grpc-retry-pushback-ms";

    /// <returns>false where the status could not be sent (the response started on a connection without trailers)</returns>
    public static bool Write(HttpResponse response, GrpcStatusCode code, string? message, TimeSpan? retryAfter = null)
    {
        var fields = new List<KeyValuePair<string, string>> { new(StatusHeader, ((int)code).ToString(CultureInfo.InvariantCulture)) };
        if (!string.IsNullOrEmpty(message)) fields.Add(new(GrpcStatusMessage.Header, GrpcStatusMessage.Encode(message)));
        if (retryAfter is { } after) fields.Add(new(RetryPushbackHeader, ((long)Math.Ceiling(after.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture)));

        if (!response.HasStarted)
        {
            foreach ((string name, string value) in fields) response.Headers[name] = value;
            return true;
        }
        if (!response.SupportsTrailers()) return false;
        foreach ((string name, string value) in fields) response.AppendTrailer(name, value);
        return true;
    }
}
