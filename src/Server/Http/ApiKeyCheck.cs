using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Server.Http;

/// <summary>
/// The optional API key (Server:ApiKey): a request carries it as "Authorization: Bearer KEY" or "X-API-Key: KEY".
/// Compared through SHA-256 digests in constant time, so neither the content nor the length leaks through timing.
/// </summary>
public sealed class ApiKeyCheck(IOptions<ServerOptions> options)
{
    private readonly byte[]? _expected = string.IsNullOrEmpty(options.Value.ApiKey) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.ApiKey));

    public bool Enabled => _expected is not null;

    /// <summary>
    /// Paths open without a key: probes and metrics (gRPC health included), the playground page (its API calls carry the
    /// key), and the OpenAI route's image links (unguessable ids, fetched by whatever the client hands the link to, as
    /// OpenAI's are).
    /// </summary>
    public static bool IsOpen(PathString path) =>
        path == "/healthz" || path == "/readyz" || path == "/metrics" || path.StartsWithSegments("/grpc.health.v1.Health")
        || Playground.PlaygroundEndpoints.IsPlayground(path) || path.StartsWithSegments(OpenAi.OpenAiImageFiles.RoutePrefix);

    public bool IsAuthorized(HttpRequest request)
    {
        if (_expected is null || IsOpen(request.Path)) return true;
        string? key = request.Headers["X-API-Key"];
        string? auth = request.Headers.Authorization;
        if (key is null && auth is not null && auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) key = auth[7..].Trim();
        if (key is null) return false;
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(key)), _expected);
    }
}
