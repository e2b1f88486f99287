using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Server.Http.OpenAi;

/// <summary>
/// The images returned by URL (response_format "url"): PNGs kept in memory under unguessable ids until they expire or
/// <see cref="OpenAiOptions.MaxStoredImages"/> newer ones push them out.
/// </summary>
public sealed class OpenAiImageFiles(IOptions<OpenAiOptions> options)
{
    public const string RoutePrefix = "/v1/images/files";

    private readonly LinkedList<(string Id, byte[] Png, DateTimeOffset Expires)> _order = new();
    private readonly Dictionary<string, LinkedListNode<(string Id, byte[] Png, DateTimeOffset Expires)>> _byId = new(StringComparer.Ordinal);

    public bool Enabled => options.Value.ImageUrls;

    /// <summary>Keeps <paramref name="png"/> and returns its path (<see cref="RoutePrefix"/>/ID.png).</summary>
    public string Add(byte[] png)
    {
        string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        DateTimeOffset expires = DateTimeOffset.UtcNow.AddSeconds(options.Value.ImageUrlTtlSeconds);
        lock (_order)
        {
            _byId[id] = _order.AddLast((id, png, expires));
            while (_order.Count > Math.Max(1, options.Value.MaxStoredImages)) Remove(_order.First!);
        }
        return $"{RoutePrefix}/{id}.png";
    }

    public byte[]? Get(string id)
    {
        lock (_order)
        {
            while (_order.First is { } oldest && oldest.Value.Expires <= DateTimeOffset.UtcNow) Remove(oldest);
            return _byId.TryGetValue(id, out var node) ? node.Value.Png : null;
        }
    }

    private void Remove(LinkedListNode<(string Id, byte[] Png, DateTimeOffset Expires)> node)
    {
        _order.Remove(node);
        _byId.Remove(node.Value.Id);
    }
}
