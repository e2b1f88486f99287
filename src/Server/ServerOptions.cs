namespace Server;

/// <summary>Settings of the serving host, bound from the "Server" configuration section (env: Server__HttpPort, ...).</summary>
public sealed class ServerOptions
{
    public const string Section = "Server";

    /// <summary>Port of the HTTP/1.1 API.</summary>
    public int HttpPort { get; set; } = 8080;

    /// <summary>Port of the gRPC API (HTTP/2 without TLS); 0 turns gRPC off.</summary>
    public int GrpcPort { get; set; } = 50051;

    /// <summary>Address to bind; "0.0.0.0" in containers, "127.0.0.1" to stay local.</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>
    /// Threads libtorch may use for intra-op parallelism (0: libtorch's default). More is not always faster: on 2 cores the
    /// 64×64 ShapeWorld model ran a request in 0.42 s with 1 thread and 0.8–1.4 s with 2 (small ops, thread hand-offs).
    /// </summary>
    public int TorchThreads { get; set; }

    /// <summary>Device of the embedded default model and its CLIP reward when no model is configured ("cpu", "cuda:0").</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>When set, every route but health and metrics needs this key (Authorization: Bearer KEY, or X-API-Key: KEY).</summary>
    public string? ApiKey { get; set; }
}
