using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Server.Tests.Http;

/// <summary>The server in this process (ASP.NET Core's test host) with the given settings, ready to generate.</summary>
public sealed class InProcessServer : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> _factory;

    private InProcessServer(WebApplicationFactory<Program> factory, HttpClient client)
    {
        _factory = factory;
        Client = client;
    }

    public HttpClient Client { get; }
    public IServiceProvider Services => _factory.Services;

    /// <param name="settings">configuration keys as in appsettings ("Server:Queue:Capacity")</param>
    public static async Task<InProcessServer> StartAsync(params (string Key, string Value)[] settings)
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            foreach ((string key, string value) in settings) b.UseSetting(key, value);
        });
        HttpClient client = factory.CreateClient();
        client.Timeout = TimeSpan.FromMinutes(2);
        for (int i = 0; i < 600 && (await client.GetAsync("/readyz")).StatusCode != HttpStatusCode.OK; i++) await Task.Delay(100);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        return new InProcessServer(factory, client);
    }

    public static object Body(string prompt, int steps = 4, long? seed = null, int images = 1) =>
        new Dictionary<string, object?> { ["prompt"] = prompt, ["steps"] = steps, ["seed"] = seed, ["num_images"] = images };

    public Task<HttpResponseMessage> Generate(object body, CancellationToken cancel = default, double? timeoutMs = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/generate") { Content = JsonContent.Create(body) };
        if (timeoutMs is not null) request.Headers.Add("X-Request-Timeout-Ms", timeoutMs.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return Client.SendAsync(request, cancel);
    }

    public static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
    }
}
