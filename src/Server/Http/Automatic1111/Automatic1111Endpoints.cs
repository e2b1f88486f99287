using Server.Generation;
using Server.Models;

namespace Server.Http.Automatic1111;

/// <summary>
/// The subset of AUTOMATIC1111's API its clients use: POST /sdapi/v1/txt2img, GET sd-models, samplers, schedulers, progress and options,
/// POST interrupt. Generation goes the one request path; progress and interrupt follow the txt2img requests in flight.
/// </summary>
public static class Automatic1111Endpoints
{
    public static void MapAutomatic1111Endpoints(this IEndpointRouteBuilder app)
    {
        var jobs = new Automatic1111Jobs();
        app.MapPost("/sdapi/v1/txt2img", (HttpContext context, GenerationService service, ModelCatalog catalog) =>
            Automatic1111Txt2Img.Handle(context, service, catalog, jobs));
        app.MapGet("/sdapi/v1/sd-models", (ModelCatalog catalog) => Json(catalog.Configured.Select(m => new
        {
            title = m.Name,
            model_name = m.Name,
            hash = (string?)null,
            sha256 = (string?)null,
            filename = m.Path,
            config = (string?)null,
        })));
        app.MapGet("/sdapi/v1/samplers", () => Json(Automatic1111Samplers.All));
        app.MapGet("/sdapi/v1/schedulers", () => Json(Automatic1111Samplers.Schedules));
        app.MapGet("/sdapi/v1/options", (ModelCatalog catalog) => Json(new Dictionary<string, object>
        {
            ["sd_model_checkpoint"] = catalog.DefaultModel,
            ["samples_format"] = "png",
        }));
        app.MapGet("/sdapi/v1/progress", () => Json(Automatic1111Progress.Of(jobs.Current)));
        app.MapPost("/sdapi/v1/interrupt", () =>
        {
            jobs.Interrupt();
            return Json(new { });
        });
    }

    private static IResult Json(object body) => Results.Json(body, Automatic1111Json.Options);
}
