using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Server.Tests.Http;

/// <summary>How the server serves the playground: from Server.dll, open without the API key, with its security headers.</summary>
public sealed class PlaygroundServingTests : IAsyncLifetime
{
    private InProcessServer? _server;
    private HttpClient Client => _server!.Client;

    public async Task InitializeAsync() => _server = await InProcessServer.StartAsync(("Server:ApiKey", "page-key"));
    public async Task DisposeAsync() => await _server!.DisposeAsync();

    [Fact]
    public async Task ThePageAndEveryModuleItImportsAreServedWithoutTheKey()
    {
        HttpResponseMessage page = await Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        string csp = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp);
        Assert.Contains("default-src 'none'", csp);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        string html = await page.Content.ReadAsStringAsync();
        HttpResponseMessage head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/"));
        Assert.Equal((HttpStatusCode.OK, "text/html"), (head.StatusCode, head.Content.Headers.ContentType?.MediaType));

        // Follow the page's stylesheet and module, then every module's imports: each must be served.
        var pending = new Queue<string>(Regex.Matches(html, "(?:src|href)=\"(/playground/[^\"]+)\"").Select(m => m.Groups[1].Value));
        var served = new HashSet<string>();
        while (pending.TryDequeue(out string? path))
        {
            if (!served.Add(path)) continue;
            HttpResponseMessage r = await Client.GetAsync(path);
            Assert.True(r.StatusCode == HttpStatusCode.OK, $"{path}: {r.StatusCode}");
            string expected = path.EndsWith(".css", StringComparison.Ordinal) ? "text/css" : "text/javascript";
            Assert.Equal(expected, r.Content.Headers.ContentType?.MediaType);
            if (expected != "text/javascript") continue;
            foreach (Match m in Regex.Matches(await r.Content.ReadAsStringAsync(), "from '\\./([^']+)'")) pending.Enqueue("/playground/" + m.Groups[1].Value);
        }
        Assert.Contains("/playground/playground.css", served);
        Assert.Contains("/playground/api.js", served);
        Assert.True(served.Count >= 6, string.Join(", ", served));
    }

    [Fact]
    public async Task AnUnknownFileIsNotFoundWithTheContractsErrorAndTheApiStillNeedsTheKey()
    {
        HttpResponseMessage missing = await Client.GetAsync("/playground/nothing.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        JsonElement error = JsonDocument.Parse(await missing.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("not_found", error.GetProperty("code").GetString());
        Assert.Equal("file", error.GetProperty("field").GetString());
        Assert.Contains("nothing.js", error.GetProperty("message").GetString());

        Assert.Equal(HttpStatusCode.Unauthorized, (await Client.GetAsync("/models")).StatusCode);
        var request = new HttpRequestMessage(HttpMethod.Get, "/models");
        request.Headers.Authorization = new("Bearer", "page-key");
        Assert.Equal(HttpStatusCode.OK, (await Client.SendAsync(request)).StatusCode);
    }
}
