using Server.Models;

namespace Server.Http;

/// <summary>GET /healthz (the process answers) and GET /readyz (models loaded and warmed up, not shutting down).</summary>
public static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Ok(new { status = "ok" }));
        app.MapGet("/readyz", (ServingState state) => state.IsServing
            ? Results.Ok(new { status = "ready" })
            : Results.Json(new { status = state.Status.ToString().ToLowerInvariant(), reason = state.Reason }, statusCode: StatusCodes.Status503ServiceUnavailable));
    }
}
