using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Server.Api;
using Server.Http;
using Server.Metrics;

namespace Server.Grpc;

/// <summary>
/// Serves every request on the gRPC port as a gRPC call (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md):
/// checks that it is one, finds its method, checks the API key and grpc-timeout, runs the method, and ends the call with
/// its grpc-status, counting it by method and status.
/// </summary>
public sealed class GrpcDispatcher(GrpcMethodTable methods, ApiKeyCheck apiKey, ServerMetrics metrics, IOptions<GrpcOptions> options,
    ILogger<GrpcDispatcher> logger)
{
    public const string Transport = "grpc";

    /// <summary>The route label of requests that match no method, so that made-up paths do not add metric series.</summary>
    public const string UnmatchedRoute = "unmatched";

    public async Task HandleAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        if (!IsGrpcRequest(request, context.Response))
        {
            // Not a gRPC call: a gRPC client would read the HTTP status as UNKNOWN (doc/http-grpc-status-mapping.md).
            metrics.RequestCompleted(Transport, UnmatchedRoute, GrpcStatusCode.Unknown.Name());
            return;
        }

        string path = request.Path.Value ?? "";
        Func<GrpcCall, Task>? method = methods.Find(path);
        context.Response.ContentType = "application/grpc";
        context.Response.Headers["grpc-accept-encoding"] = "identity";
        // Messages are limited one by one (MaxReceiveMessageSize), not by the whole body, which a stream may make long.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize) bodySize.MaxRequestBodySize = null;

        GrpcStatusCode status = await RunAsync(context, path, method);
        metrics.RequestCompleted(Transport, method is null ? UnmatchedRoute : path, status.Name());
    }

    // The spec: a request whose content-type is not application/grpc[+proto|;...] gets HTTP 415, so that other HTTP
    // clients do not read a gRPC error (HTTP 200) as success. gRPC calls are POSTs.
    private static bool IsGrpcRequest(HttpRequest request, HttpResponse response)
    {
        if (!HttpMethods.IsPost(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "POST";
            return false;
        }
        string contentType = request.ContentType ?? "";
        string mediaType = contentType.Split(';', 2)[0].Trim();
        if (mediaType.Equals("application/grpc", StringComparison.OrdinalIgnoreCase) ||
            mediaType.Equals("application/grpc+proto", StringComparison.OrdinalIgnoreCase)) return true;
        response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
        return false;
    }

    private async Task<GrpcStatusCode> RunAsync(HttpContext context, string path, Func<GrpcCall, Task>? method)
    {
        GrpcCall? call = null;
        (GrpcStatusCode code, string? message, TimeSpan? retryAfter) status;
        try
        {
            if (method is null) throw new GrpcException(GrpcStatusCode.Unimplemented, $"unknown method {path}");
            if (!apiKey.IsAuthorized(context.Request))
                throw new GrpcException(GrpcStatusCode.Unauthenticated, "a valid API key is required (metadata authorization: Bearer KEY, or x-api-key: KEY)");
            call = new GrpcCall(context, Timeout(context.Request), options.Value);
            await method(call);
            status = (GrpcStatusCode.Ok, null, null);
        }
        catch (GrpcException e)
        {
            status = (e.Status, e.Message, null);
        }
        catch (ServiceException e)
        {
            status = (GrpcStatusCodes.From(e.Code), e.Field is null ? e.Message : $"{e.Field}: {e.Message}", e.RetryAfter);
        }
        catch (OperationCanceledException) when (call?.DeadlinePassed == true)
        {
            status = (GrpcStatusCode.DeadlineExceeded, "the call did not finish within its deadline", null);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            // Reading from or writing to a reset stream fails in several ways (cancelled, aborted connection): all of
            // them mean the client cancelled.
            status = (GrpcStatusCode.Cancelled, "the client cancelled the call", null);
        }
        catch (Exception e)
        {
            logger.LogError(e, "gRPC call {Method} failed", path);
            status = (GrpcStatusCode.Internal, "internal error", null);
        }
        finally
        {
            call?.Dispose();
        }

        if (!context.RequestAborted.IsCancellationRequested && !GrpcResponseStatus.Write(context.Response, status.code, status.message, status.retryAfter))
            logger.LogWarning("gRPC call {Method}: the status {Status} could not be sent (no trailers)", path, status.code.Name());
        return status.code;
    }

    // grpc-go answers a malformed grpc-timeout with INTERNAL as well; the header is the library's, not the user's.
    private static TimeSpan? Timeout(HttpRequest request)
    {
        string? value = request.Headers[GrpcTimeout.Header];
        if (value is null) return null;
        return GrpcTimeout.TryParse(value, out TimeSpan timeout)
            ? timeout
            : throw new GrpcException(GrpcStatusCode.Internal, $"malformed grpc-timeout '{value}'");
    }
}
