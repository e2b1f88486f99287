using System.Globalization;
using System.Text.Json;
using Microsoft.Net.Http.Headers;
using Server.Api;
using Server.Generation;
using Server.Queue;

namespace Server.Http;

/// <summary>POST /generate (JSON, or the first image as PNG with Accept: image/png), POST /generate/stream (SSE), GET /models.</summary>
public static class GenerateEndpoints
{
    /// <summary>Optional request header: the client's deadline in milliseconds (gRPC clients send grpc-timeout instead).</summary>
    public const string TimeoutHeader = "X-Request-Timeout-Ms";

    public static void MapGenerateEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/generate", Generate);
        app.MapPost("/generate/stream", GenerateStream);
        app.MapGet("/models", (GenerationService service) => Results.Json(new { models = service.ListModels() }, ApiJson.Options));
    }

    private static async Task Generate(HttpContext context, GenerationService service)
    {
        GenerationResponse response;
        try
        {
            GenerateInput input = await ReadInput(context);
            WorkItem item = service.Submit(input, "http", Timeout(context), context.RequestAborted);
            response = await item.Completion;
        }
        catch (ServiceException e)
        {
            if (!context.RequestAborted.IsCancellationRequested) await ErrorResponses.WriteAsync(context, e);
            return;
        }

        if (WantsPng(context.Request))
        {
            GeneratedImage first = response.Images[0];
            IHeaderDictionary h = context.Response.Headers;
            h["X-Request-Id"] = response.RequestId;
            h["X-Model"] = response.Model;
            h["X-Seed"] = first.Seed.ToString(CultureInfo.InvariantCulture);
            h["X-Rewards"] = JsonSerializer.Serialize(first.Rewards, ApiJson.Options);
            h["X-Timings-Ms"] = JsonSerializer.Serialize(GenerateJson.From(response).TimingsMs, ApiJson.Options);
            if (response.Adapters.Count > 0) h["X-Adapters"] = JsonSerializer.Serialize(response.Adapters, ApiJson.Options);
            context.Response.ContentType = "image/png";
            await context.Response.Body.WriteAsync(first.Png, context.RequestAborted);
            return;
        }
        await context.Response.WriteAsJsonAsync(GenerateJson.From(response), ApiJson.Options, context.RequestAborted);
    }

    private static async Task GenerateStream(HttpContext context, GenerationService service)
    {
        WorkItem item;
        try
        {
            item = service.Submit(await ReadInput(context), "http", Timeout(context), context.RequestAborted);
        }
        catch (ServiceException e)
        {
            await ErrorResponses.WriteAsync(context, e);
            return;
        }
        ServerSentEvents.Begin(context.Response);
        try
        {
            await foreach (GenerationEvent e in item.Events.ReadAllAsync(context.RequestAborted))
            {
                (string name, object data) = e switch
                {
                    QueuedEvent q => ("queued", (object)new { request_id = q.RequestId, position = q.Position }),
                    ProgressEvent p => ("progress", new
                    {
                        request_id = p.RequestId, phase = p.Phase, step = p.Step, total = p.Total, rewards = p.Rewards, candidates = p.Candidates,
                        previews_png_base64 = p.Previews?.Select(Convert.ToBase64String).ToArray(),
                    }),
                    ResultEvent r => ("result", GenerateJson.From(r.Response)),
                    ErrorEvent x => ("error", ErrorResponses.Body(x.Error)),
                    _ => throw new InvalidOperationException($"unknown event {e.GetType().Name}"),
                };
                await ServerSentEvents.SendAsync(context.Response, name, data, ApiJson.Options, context.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // the client left; its request was cancelled with it
        }
    }

    private static async Task<GenerateInput> ReadInput(HttpContext context)
    {
        try
        {
            return await JsonBody.ReadAsync<GenerateInput>(context, ApiJson.Options);
        }
        catch (JsonBodyException e) when (e.Problem is JsonBodyProblem.NotJson or JsonBodyProblem.NotObject)
        {
            throw new ServiceException(ErrorCode.InvalidArgument, e.Message);
        }
        catch (JsonBodyException e)
        {
            string reason = e.Problem switch
            {
                JsonBodyProblem.UnknownField => "unknown field",
                JsonBodyProblem.WrongType => "wrong type of value",
                _ => e.Message,
            };
            throw new ServiceException(ErrorCode.InvalidArgument, $"invalid JSON body{(e.Field is null ? "" : $" at '{e.Field}'")}: {reason}", e.Field);
        }
    }

    private static TimeSpan? Timeout(HttpContext context)
    {
        string? value = context.Request.Headers[TimeoutHeader];
        if (value is null) return null;
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double ms) || ms <= 0 || !double.IsFinite(ms))
            throw ServiceException.Invalid(TimeoutHeader, $"{TimeoutHeader} must be a positive number of milliseconds, got '{value}'");
        return TimeSpan.FromMilliseconds(Math.Min(ms, TimeSpan.MaxValue.TotalMilliseconds / 2));
    }

    private static bool WantsPng(HttpRequest request) =>
        request.GetTypedHeaders().Accept is { Count: > 0 } accept &&
        accept.Any(a => a.MediaType.Equals("image/png", StringComparison.OrdinalIgnoreCase)) &&
        !accept.Any(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) && a.Quality is null or > 0.5);
}
