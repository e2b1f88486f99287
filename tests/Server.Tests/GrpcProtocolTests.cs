using Server.Grpc;

namespace Server.Tests;

/// <summary>The pieces of the gRPC HTTP/2 protocol that need no server: grpc-timeout and grpc-message values.</summary>
public sealed class GrpcProtocolTests
{
    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("250m", 2_500_000L)]
    [InlineData("7u", 70L)]
    [InlineData("1n", 1L)]
    [InlineData("250n", 3L)]
    [InlineData("99999999S", 999_999_990_000_000L)]
    public void GrpcTimeoutParsesEveryUnit(string value, long ticks)
    {
        Assert.True(GrpcTimeout.TryParse(value, out TimeSpan timeout));
        Assert.Equal(ticks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("10s")]
    [InlineData("-1S")]
    [InlineData("1.5S")]
    [InlineData("123456789S")]
    public void GrpcTimeoutRejectsMalformedValues(string value) => Assert.False(GrpcTimeout.TryParse(value, out _));

    [Theory]
    [InlineData("width: must be a multiple of 8", "width: must be a multiple of 8")]
    [InlineData("100% done", "100%25 done")]
    [InlineData("modèle", "mod%C3%A8le")]
    [InlineData("line\nbreak", "line%0Abreak")]
    public void GrpcMessageIsPercentEncoded(string message, string encoded) => Assert.Equal(encoded, GrpcStatusMessage.Encode(message));
}
