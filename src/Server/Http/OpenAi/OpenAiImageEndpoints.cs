using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Server.Api;
using Server.Generation;
using Server.Queue;

namespace Server.Http.OpenAi;

/// <summary>
/// POST /v1/images/generations, OpenAI's Images API on the one request path: the body becomes a <see cref="GenerateInput"/>,
/// the result {created, data: [{b64_json}]} (or [{url}] where configured: GET /v1/images/files/{id}.png); with stream: true the request's progress and result events become
/// image_generation.partial_image and image_generation.completed events.
/// </summary>
public static class OpenAiImageEndpoints
{
    public static void MapOpenAiImageEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/images/generations", Generate);
        app.MapGet($"{OpenAiImageFiles.RoutePrefix}/{{id}}.png", (string id, OpenAiImageFiles files) => files.Get(id) is { } png
            ? Results.Bytes(png, "image/png")
            : Results.Json(OpenAiErrors.Body(new ServiceException(ErrorCode.NotFound, $"image '{id}' does not exist or has expired"), null),
                OpenAiJson.Options, statusCode: StatusCodes.Status404NotFound));
    }

    public sealed record ImagesResponse(long Created, IReadOnlyList<ImageData> Data, string OutputFormat, string Size, string Background);
    public sealed record ImageData(
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? B64Json,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Url);

    private static async Task Generate(HttpContext context, GenerationService service, OpenAiImageFiles files, IOptions<OpenAiOptions> options)
    {
        OpenAiImageRequest request;
        try
        {
            request = await ReadRequest(context);
        }
        catch (ParamException e)
        {
            await OpenAiErrors.WriteAsync(context, e.Error, e.Param, e.OpenAiCode);
            return;
        }

        WorkItem item;
        try
        {
            item = service.Submit(OpenAiTranslation.ToInput(request, files.Enabled), "openai", null, context.RequestAborted);
        }
        catch (ServiceException e)
        {
            await OpenAiErrors.WriteAsync(context, e);
            return;
        }
        context.Response.Headers["X-Request-Id"] = item.Request.Id;
        if (request.Stream == true)
        {
            await OpenAiImageStream.WriteAsync(context, item);
            return;
        }

        GenerationResponse response;
        try
        {
            response = await item.Completion;
        }
        catch (ServiceException e)
        {
            if (!context.RequestAborted.IsCancellationRequested) await OpenAiErrors.WriteAsync(context, e);
            return;
        }
        string baseUrl = options.Value.PublicBaseUrl?.TrimEnd('/') ?? $"{context.Request.Scheme}://{context.Request.Host}";
        var body = new ImagesResponse(DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            response.Images.Select(i => request.ResponseFormat == "url" ? new ImageData(null, baseUrl + files.Add(i.Png)) : new ImageData(Convert.ToBase64String(i.Png), null)).ToArray(),
            "png", SizeOf(item.Request), "opaque");
        await context.Response.WriteAsJsonAsync(body, OpenAiJson.Options, context.RequestAborted);
    }

    public static string SizeOf(GenerationRequest r) => $"{r.Width}x{r.Height}";

    private static async Task<OpenAiImageRequest> ReadRequest(HttpContext context)
    {
        try
        {
            return await JsonBody.ReadAsync<OpenAiImageRequest>(context, OpenAiJson.Options);
        }
        catch (JsonBodyException e) when (e.Problem is JsonBodyProblem.NotJson or JsonBodyProblem.NotObject)
        {
            throw new ParamException(new ServiceException(ErrorCode.InvalidArgument, e.Message), null);
        }
        catch (JsonBodyException e)
        {
            string? param = e.Field;
            string message = e.Problem switch
            {
                JsonBodyProblem.UnknownField => $"Unknown parameter: '{param}'.",
                JsonBodyProblem.WrongType => $"Invalid type for '{param}'.",
                _ => $"We could not parse the JSON body of your request{(param is null ? "" : $" at '{param}'")}.",
            };
            throw new ParamException(ServiceException.Invalid(param ?? "", message), param, e.Problem == JsonBodyProblem.UnknownField ? "unknown_parameter" : null);
        }
    }

    // An error about the OpenAI body itself: its param is already OpenAI's name.
    private sealed class ParamException(ServiceException error, string? param, string? openAiCode = null) : Exception(error.Message)
    {
        public ServiceException Error { get; } = error;
        public string? Param { get; } = param;
        public string? OpenAiCode { get; } = openAiCode;
    }
}
