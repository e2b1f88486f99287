using Server.Api;
using Server.Generation;
using Server.Queue;

namespace Server.Http.OpenAi;

/// <summary>
/// The SSE stream of a streaming image request, as OpenAI sends it: an image_generation.partial_image event for each of the
/// request's progress events that carries previews (partial_images of them), then one image_generation.completed event per
/// image when the result event arrives; a failure ends the stream with an error event in OpenAI's envelope.
/// </summary>
public static class OpenAiImageStream
{
    public sealed record PartialImage(string Type, string B64Json, long CreatedAt, string Size, string OutputFormat, string Background, int PartialImageIndex);
    public sealed record Completed(string Type, string B64Json, long CreatedAt, string Size, string OutputFormat, string Background);

    public static async Task WriteAsync(HttpContext context, WorkItem item)
    {
        ServerSentEvents.Begin(context.Response);
        string size = OpenAiImageEndpoints.SizeOf(item.Request);
        int partialIndex = 0;
        try
        {
            await foreach (GenerationEvent e in item.Events.ReadAllAsync(context.RequestAborted))
            {
                switch (e)
                {
                    case ProgressEvent { Previews: { Count: > 0 } previews }:
                        // one partial image per preview step: the first image as it stands (OpenAI streams one image)
                        await Send(context, "image_generation.partial_image",
                            new PartialImage("image_generation.partial_image", Convert.ToBase64String(previews[0]), Now(), size, "png", "opaque", partialIndex++));
                        break;
                    case ResultEvent r:
                        foreach (GeneratedImage image in r.Response.Images)
                            await Send(context, "image_generation.completed",
                                new Completed("image_generation.completed", Convert.ToBase64String(image.Png), Now(), size, "png", "opaque"));
                        break;
                    case ErrorEvent x:
                        await Send(context, "error", OpenAiErrors.Body(x.Error));
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // the client left; its request was cancelled with it
        }
    }

    private static Task Send(HttpContext context, string name, object data) =>
        ServerSentEvents.SendAsync(context.Response, name, data, OpenAiJson.Options, context.RequestAborted);

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}
