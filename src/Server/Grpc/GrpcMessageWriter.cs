using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;

namespace Server.Grpc;

/// <summary>Writes a message to a response body with its length prefix (uncompressed) and flushes it to the client.</summary>
public static class GrpcMessageWriter
{
    public static async ValueTask WriteAsync(PipeWriter writer, IMessage message, int maxSize, CancellationToken cancel)
    {
        int size = message.CalculateSize();
        if (size > maxSize)
            throw new GrpcException(GrpcStatusCode.ResourceExhausted, $"response message larger than max ({size} vs. {maxSize} bytes)");
        Span<byte> prefix = writer.GetSpan(GrpcMessageReader.PrefixSize);
        prefix[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(prefix[1..], (uint)size);
        writer.Advance(GrpcMessageReader.PrefixSize);
        message.WriteTo(writer);
        await writer.FlushAsync(cancel);
    }
}
