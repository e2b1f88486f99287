using Server.Adapters;
using Server.Api;

namespace Server.Http;

/// <summary>
/// GET /adapters (every adapter, its version, publisher annotations and state per model), PUT /adapters/{name} (load now)
/// and DELETE /adapters/{name} (unload the weights; they reload when a request names the adapter). PUT and DELETE act on
/// the default model unless <c>?model=</c> names another.
/// </summary>
public static class AdapterEndpoints
{
    public static void MapAdapterEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/adapters", (AdapterService service) => Results.Json(new { adapters = service.List() }, ApiJson.Options));
        app.MapPut("/adapters/{name}", (string name, string? model, AdapterService service) => Run(() => service.Load(name, model)));
        app.MapDelete("/adapters/{name}", (string name, string? model, AdapterService service) => Run(() => service.Unload(name, model)));
    }

    private static IResult Run(Func<AdapterDescription> action)
    {
        try
        {
            return Results.Json(action(), ApiJson.Options);
        }
        catch (ServiceException e)
        {
            return ErrorResponses.ToResult(e);
        }
    }
}
