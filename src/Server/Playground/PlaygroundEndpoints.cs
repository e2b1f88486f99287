using System.Reflection;
using Microsoft.AspNetCore.StaticFiles;
using Server.Api;
using Server.Http;

namespace Server.Playground;

/// <summary>
/// The web playground: GET / (the page) and GET /playground/{file} (its modules and styles), embedded in Server.dll so
/// they are served whatever the working directory. Open without the API key: the page asks for the key and sends it
/// with its own API calls.
/// </summary>
public static class PlaygroundEndpoints
{
    public const string AssetsPath = "/playground";
    private const string ResourcePrefix = "Playground/";

    // Only this origin's scripts, styles and API; images are the API's PNGs as data: URLs.
    private const string ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    /// <summary>Whether a path is the page or one of its files (served without the API key).</summary>
    public static bool IsPlayground(PathString path) => path == "/" || path.StartsWithSegments(AssetsPath);

    public static void MapPlayground(this IEndpointRouteBuilder app)
    {
        // HEAD too: link checkers and uptime probes ask for the page that way
        string[] methods = [HttpMethods.Get, HttpMethods.Head];
        app.MapMethods("/", methods, (HttpContext context) => Serve(context, "index.html"));
        app.MapMethods($"{AssetsPath}/{{file}}", methods, (HttpContext context, string file) => Serve(context, file));
    }

    private static IResult Serve(HttpContext context, string file)
    {
        Stream? content = typeof(PlaygroundEndpoints).Assembly.GetManifestResourceStream(ResourcePrefix + file);
        if (content is null) return ErrorResponses.ToResult(new ServiceException(ErrorCode.NotFound, $"the playground has no file '{file}'", "file"));
        IHeaderDictionary h = context.Response.Headers;
        h.ContentSecurityPolicy = ContentSecurityPolicy;
        h.XContentTypeOptions = "nosniff";
        h["Referrer-Policy"] = "no-referrer";
        h.CacheControl = "no-cache";
        string type = ContentTypes.TryGetContentType(file, out string? t) ? t : "application/octet-stream";
        if (type.StartsWith("text/", StringComparison.Ordinal)) type += "; charset=utf-8";
        return Results.Stream(content, type);
    }
}
