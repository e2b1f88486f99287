namespace Server.Grpc;

/// <summary>Ends a call with a gRPC status for reasons of the protocol itself (framing, limits, unknown method), not of the contract.</summary>
public sealed class GrpcException(GrpcStatusCode status, string message) : Exception(message)
{
    public GrpcStatusCode Status { get; } = status;
}
