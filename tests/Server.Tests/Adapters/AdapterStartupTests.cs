using System.Net;
using System.Text.Json;
using Server.Tests.Http;

namespace Server.Tests.Adapters;

/// <summary>A server turns ready only after reading its adapter store, so the first request may name any adapter already there.</summary>
public sealed class AdapterStartupTests
{
    [Fact]
    public async Task AnAdapterInTheStoreAtStartupServesTheFirstRequest()
    {
        string store = Path.Combine(Path.GetTempPath(), $"adapter-startup-{Guid.NewGuid():N}");
        AdapterFiles.Publish(store, "present", seed: 41);
        try
        {
            // polls an hour apart: only the scan before readiness can have found it
            await using InProcessServer server = await InProcessServer.StartAsync(("Server:Adapters:Store", store), ("Server:Adapters:PollSeconds", "3600"));
            HttpResponseMessage response = await server.Generate(new Dictionary<string, object?>
            {
                ["prompt"] = "a red circle", ["steps"] = 2, ["adapters"] = new[] { new { name = "present", weight = 1.0 } },
            });
            JsonElement body = await InProcessServer.Json(response);
            Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
            Assert.Equal("present", body.GetProperty("adapters")[0].GetProperty("name").GetString());
        }
        finally
        {
            Directory.Delete(store, true);
        }
    }
}
