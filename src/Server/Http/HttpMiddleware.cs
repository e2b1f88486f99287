using Server.Api;
using Server.Metrics;

namespace Server.Http;

/// <summary>The HTTP API's middleware: request counting by route and status, and the API key.</summary>
public static class HttpMiddleware
{
    /// <summary>Counts every HTTP request as align_requests_total{transport="http", route, status}.</summary>
    public static IApplicationBuilder UseRequestCounting(this IApplicationBuilder app, Func<HttpContext, bool> applies) => app.Use(async (context, next) =>
    {
        if (!applies(context))
        {
            await next(context);
            return;
        }
        try
        {
            await next(context);
        }
        finally
        {
            string route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            int status = context.RequestAborted.IsCancellationRequested ? 499 : context.Response.StatusCode; // 499: the client closed the request
            context.RequestServices.GetRequiredService<ServerMetrics>().RequestCompleted("http", route, status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    });

    /// <summary>Refuses requests without the configured API key (401, the error body of the route's API).</summary>
    public static IApplicationBuilder UseApiKey(this IApplicationBuilder app, Func<HttpContext, bool> applies) => app.Use(async (context, next) =>
    {
        ApiKeyCheck check = context.RequestServices.GetRequiredService<ApiKeyCheck>();
        if (applies(context) && !check.IsAuthorized(context.Request))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            var refused = new ServiceException(ErrorCode.Unauthenticated, "a valid API key is required (Authorization: Bearer KEY or X-API-Key: KEY)");
            // each API family answers in its own error shape, so its clients raise their own typed error
            await (context.Request.Path.StartsWithSegments("/v1") ? OpenAi.OpenAiErrors.WriteAsync(context, refused)
                : context.Request.Path.StartsWithSegments("/sdapi") ? Automatic1111.Automatic1111Errors.WriteAsync(context, refused)
                : ErrorResponses.WriteAsync(context, refused));
            return;
        }
        await next(context);
    });
}
