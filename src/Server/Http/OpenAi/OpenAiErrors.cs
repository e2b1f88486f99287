using Server.Api;

namespace Server.Http.OpenAi;

/// <summary>
/// Errors in OpenAI's envelope, {"error": {"message", "type", "param", "code"}}, with the HTTP status of the contract's
/// code (400, 401, 404, 429, 503…), which is what OpenAI's clients turn into their typed errors.
/// </summary>
public static class OpenAiErrors
{
    public sealed record Envelope(Detail Error);
    public sealed record Detail(string Message, string Type, string? Param, string? Code);

    /// <summary>An error of the one request path; its field becomes the OpenAI param.</summary>
    public static Envelope Body(ServiceException e) => Body(e, OpenAiTranslation.Param(e.Field));

    /// <summary>An error whose param is already OpenAI's name (the request body's own fields), with OpenAI's code where it has a specific one.</summary>
    public static Envelope Body(ServiceException e, string? param, string? code = null) =>
        new(new Detail(e.Message, Type(e.Code), param, code ?? Code(e, param)));

    public static Task WriteAsync(HttpContext context, ServiceException e, string? param, string? code = null)
    {
        context.Response.StatusCode = e.Code.HttpStatus();
        if (e.RetryAfter is { } after) context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)).ToString();
        return context.Response.WriteAsJsonAsync(Body(e, param, code), OpenAiJson.Options);
    }

    public static Task WriteAsync(HttpContext context, ServiceException e) => WriteAsync(context, e, OpenAiTranslation.Param(e.Field));

    private static string Type(ErrorCode code) => code switch
    {
        ErrorCode.InvalidArgument or ErrorCode.NotFound or ErrorCode.Unimplemented or ErrorCode.Unauthenticated => "invalid_request_error",
        ErrorCode.ResourceExhausted => "rate_limit_error",
        ErrorCode.Cancelled => "request_cancelled",
        ErrorCode.DeadlineExceeded => "timeout_error",
        _ => "server_error",
    };

    private static string? Code(ServiceException e, string? param) => e.Code switch
    {
        ErrorCode.Unauthenticated => "invalid_api_key",
        ErrorCode.NotFound when param == "model" => "model_not_found",
        ErrorCode.InvalidArgument => "invalid_value",
        ErrorCode.ResourceExhausted => "rate_limit_exceeded",
        _ => e.Code.Name(),
    };
}
