using Server.Api;

namespace Server.Http;

/// <summary>The error body of every route: {"error": {"code", "message", "field"}} with the code's HTTP status.</summary>
public static class ErrorResponses
{
    public sealed record ErrorBody(ErrorDetail Error);
    public sealed record ErrorDetail(string Code, string Message, string? Field);

    public static ErrorBody Body(ServiceException e) => new(new ErrorDetail(e.Code.Name(), e.Message, e.Field));

    public static IResult ToResult(ServiceException e) => new ErrorResult(e);

    public static Task WriteAsync(HttpContext context, ServiceException e)
    {
        context.Response.StatusCode = e.Code.HttpStatus();
        if (e.RetryAfter is { } after) context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)).ToString();
        return context.Response.WriteAsJsonAsync(Body(e), ApiJson.Options);
    }

    private sealed class ErrorResult(ServiceException e) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => WriteAsync(httpContext, e);
    }
}
