namespace Server.Tests.RealProcess;

/// <summary>One real server process with its own settings, shared by a test class.</summary>
public abstract class ConfiguredServerFixture(params (string Key, string Value)[] settings) : IAsyncLifetime
{
    private ServerProcess? _server;
    public ServerProcess Server => _server ?? throw new InvalidOperationException("the server has not started");
    public async Task InitializeAsync() => _server = await ServerProcess.StartAsync(settings);
    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
