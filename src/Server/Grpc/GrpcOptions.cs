namespace Server.Grpc;

/// <summary>Limits of the gRPC API, bound from the "Server:Grpc" configuration section (env: Server__Grpc__MaxReceiveMessageSize).</summary>
public sealed class GrpcOptions
{
    public const string Section = "Server:Grpc";

    /// <summary>Largest request message in bytes; a larger one ends the call with RESOURCE_EXHAUSTED (gRPC's usual 4 MiB).</summary>
    public int MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest response message in bytes (a response carries its PNGs); a larger one ends the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxSendMessageSize { get; set; } = 64 * 1024 * 1024;
}
