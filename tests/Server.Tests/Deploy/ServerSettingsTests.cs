namespace Server.Tests.Deploy;

/// <summary>The checker the manifest cross-checks rely on accepts the server's settings and refuses others.</summary>
public class ServerSettingsTests
{
    [Theory]
    [InlineData("Server__HttpPort", "8080")]
    [InlineData("Server__Queue__ShutdownTimeoutSeconds", "30")]
    [InlineData("Server__Adapters__Store", "/var/lib/align/adapters")]
    [InlineData("Server__Models__0__Path", "/var/lib/align/models/sd15")]
    [InlineData("Server__grpc__maxReceiveMessageSize", "1048576")]
    [InlineData("Logging__Console__FormatterName", "json")]
    public void TheServerReadsIt(string name, string value) => Assert.Null(ServerSettings.Refusal(name, value));

    [Theory]
    [InlineData("Server__HttpPorts", "8080", "HttpPorts")]
    [InlineData("Server__Queue__Capacity", "many", "many")]
    [InlineData("Server__Adapters__Path", "/adapters", "Path")]
    [InlineData("Serve__HttpPort", "8080", "no options class")]
    public void AnUnknownNameOrAWrongValueIsRefused(string name, string value, string reason)
    {
        string? refusal = ServerSettings.Refusal(name, value);

        Assert.NotNull(refusal);
        Assert.Contains(reason, refusal);
    }
}
