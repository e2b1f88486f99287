using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace Server.Grpc;

/// <summary>
/// Reads length-prefixed messages from a request body: "Compressed-Flag (1 byte) Message-Length (4 bytes, big-endian)
/// Message" (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests).
/// </summary>
public static class GrpcMessageReader
{
    public const int PrefixSize = 5;

    /// <summary>The next message's bytes, or null where the body ends cleanly between messages.</summary>
    /// <param name="encoding">the request's grpc-encoding (null when absent): only identity is supported</param>
    public static async ValueTask<byte[]?> ReadAsync(PipeReader reader, int maxSize, string? encoding, CancellationToken cancel)
    {
        while (true)
        {
            ReadResult result = await reader.ReadAsync(cancel);
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (buffer.Length >= PrefixSize)
            {
                int length = PayloadLength(buffer.Slice(0, PrefixSize), maxSize, encoding);
                if (buffer.Length >= PrefixSize + (long)length)
                {
                    byte[] message = buffer.Slice(PrefixSize, length).ToArray();
                    reader.AdvanceTo(buffer.GetPosition(PrefixSize + (long)length));
                    return message;
                }
            }
            if (result.IsCompleted)
            {
                bool clean = buffer.IsEmpty;
                reader.AdvanceTo(buffer.End);
                return clean ? null : throw new GrpcException(GrpcStatusCode.Internal, "the request body ended inside a message");
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static int PayloadLength(ReadOnlySequence<byte> prefix, int maxSize, string? encoding)
    {
        Span<byte> bytes = stackalloc byte[PrefixSize];
        prefix.CopyTo(bytes);
        switch (bytes[0])
        {
            case 0:
                break;
            // The spec: a message compressed with an algorithm the server does not support ends with UNIMPLEMENTED; a
            // compressed flag without a grpc-encoding (or with identity) is a protocol error.
            case 1 when encoding is not null && encoding != "identity":
                throw new GrpcException(GrpcStatusCode.Unimplemented, $"grpc-encoding '{encoding}' is not supported; this server accepts identity");
            case 1:
                throw new GrpcException(GrpcStatusCode.Internal, "a compressed message arrived without a grpc-encoding");
            default:
                throw new GrpcException(GrpcStatusCode.Internal, $"invalid compressed flag {bytes[0]}");
        }
        uint length = BinaryPrimitives.ReadUInt32BigEndian(bytes[1..]);
        if (length > maxSize)
            throw new GrpcException(GrpcStatusCode.ResourceExhausted, $"received message larger than max ({length} vs. {maxSize} bytes)");
        return (int)length;
    }
}
