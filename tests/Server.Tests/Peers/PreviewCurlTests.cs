using System.Text.Json;
using Server.Tests.RealProcess;

namespace Server.Tests.Peers;

/// <summary>A request's previews, through curl on /generate/stream: evenly spaced progress events carry the images decoded so far.</summary>
public sealed class PreviewCurlTests(RealServerFixture server) : IClassFixture<RealServerFixture>
{
    private Task<Tool.Result> Stream(string body) => Tool.RunAsync("curl", ["-sS", "-N", "-X", "POST", $"{server.Server.HttpBase}generate/stream",
        "-H", "Content-Type: application/json", "-d", body], installHint: "apt-get install curl");

    [Fact]
    public async Task ProgressEventsAtThePreviewStepsCarryEachImageDecodedSoFar()
    {
        Tool.Result r = await Stream("""{"prompt": "a green triangle", "seed": 2, "steps": 8, "num_images": 2, "previews": 3}""");
        JsonElement[] progress = r.Stdout.Split("\n\n").Where(e => e.StartsWith("event: progress", StringComparison.Ordinal))
            .Select(e => JsonDocument.Parse(e.Split("data: ")[1]).RootElement).ToArray();
        Assert.True(progress.Length == 8, r.ToString());
        int[] withPreviews = progress.Where(p => p.TryGetProperty("previews_png_base64", out _)).Select(p => p.GetProperty("step").GetInt32()).ToArray();
        Assert.Equal([2, 4, 6], withPreviews); // 8 steps, 3 previews: steps 8·k/4; never the last (that is the result)
        JsonElement[] previews = progress[1].GetProperty("previews_png_base64").EnumerateArray().ToArray();
        Assert.Equal(2, previews.Length);
        (string mode, int w, int h, _, _) = Align.Tests.Imaging.Pillow.Decode(Convert.FromBase64String(previews[1].GetString()!));
        Assert.Equal(("RGB", 64, 64), (mode, w, h));
        Assert.NotEqual(progress[1].GetProperty("previews_png_base64")[0].GetString(), progress[5].GetProperty("previews_png_base64")[0].GetString());
    }

    [Fact]
    public async Task PreviewsBeyondTheLimitOrWithAlignmentAreRefusedNamingPreviews()
    {
        foreach ((string body, string message) in new[]
                 {
                     ("""{"prompt": "a red circle", "previews": 4}""", "previews must be between 0 and 3"),
                     ("""{"prompt": "a red circle", "previews": 1, "alignment": {"method": "best_of_n"}}""", "previews are available without alignment only"),
                 })
        {
            Tool.Result r = await Stream(body);
            using JsonDocument doc = JsonDocument.Parse(r.Stdout);
            JsonElement error = doc.RootElement.GetProperty("error");
            Assert.Equal(("invalid_argument", "previews"), (error.GetProperty("code").GetString(), error.GetProperty("field").GetString()));
            Assert.Contains(message, error.GetProperty("message").GetString());
        }
    }
}
