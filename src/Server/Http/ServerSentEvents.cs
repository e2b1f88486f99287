using System.Text.Json;

namespace Server.Http;

/// <summary>A response as a stream of Server-Sent Events: the headers that keep proxies from buffering it, and each event flushed as it is sent.</summary>
public static class ServerSentEvents
{
    public static void Begin(HttpResponse response)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
    }

    public static async Task SendAsync(HttpResponse response, string name, object data, JsonSerializerOptions options, CancellationToken cancel)
    {
        await response.WriteAsync($"event: {name}\ndata: {JsonSerializer.Serialize(data, options)}\n\n", cancel);
        await response.Body.FlushAsync(cancel);
    }
}
