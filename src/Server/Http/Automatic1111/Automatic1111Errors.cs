using Server.Api;

namespace Server.Http.Automatic1111;

/// <summary>
/// Errors as AUTOMATIC1111's API (FastAPI) sends them: an invalid field is a 422 {"detail": [{"loc": ["body", field], "msg",
/// "type"}]} like pydantic's validation errors; any other error is its HTTPException body {"error", "detail", "body", "errors"}
/// with the contract code's HTTP status.
/// </summary>
public static class Automatic1111Errors
{
    public sealed record ValidationBody(IReadOnlyList<ValidationError> Detail);
    public sealed record ValidationError(IReadOnlyList<string> Loc, string Msg, string Type);
    public sealed record HttpErrorBody(string Error, string Detail, string Body, string Errors);

    public static Task WriteAsync(HttpContext context, ServiceException e)
    {
        if (e.Code == ErrorCode.InvalidArgument && e.Field is { Length: > 0 } field)
        {
            context.Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            return context.Response.WriteAsJsonAsync(
                new ValidationBody([new ValidationError(["body", .. Automatic1111Translation.Location(field)], e.Message, "value_error")]), ApiJson.Options);
        }
        context.Response.StatusCode = e.Code.HttpStatus();
        if (e.RetryAfter is { } after) context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)).ToString();
        return context.Response.WriteAsJsonAsync(new HttpErrorBody("HTTPException", e.Message, "", e.Message), ApiJson.Options);
    }
}
