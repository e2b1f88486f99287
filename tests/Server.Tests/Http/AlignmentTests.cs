using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Server.Models;
using Server.Tests.Metrics;

namespace Server.Tests.Http;

/// <summary>Alignment methods served over HTTP: best-of-n and ReNO with their traces, progress and metrics.</summary>
public sealed class AlignmentTests : IAsyncLifetime
{
    private InProcessServer? _server;
    private InProcessServer Server => _server!;

    public async Task InitializeAsync() => _server = await InProcessServer.StartAsync();
    public async Task DisposeAsync() => await _server!.DisposeAsync();

    [Fact]
    public async Task BestOfNReturnsTheBestCandidateWithEveryCandidatesScores()
    {
        HttpResponseMessage r = await Server.Generate(new
        {
            prompt = "a red circle and a blue square", steps = 4, seed = 100,
            alignment = new { method = "best_of_n", n = 5, rewards = new Dictionary<string, double> { ["shapeworld-clip"] = 1.0 } },
        });
        JsonElement body = await InProcessServer.Json(r);
        Assert.True(r.StatusCode == HttpStatusCode.OK, body.ToString());
        JsonElement trace = body.GetProperty("alignment").GetProperty("trace");
        Assert.Equal(5, trace.GetArrayLength());
        Assert.Equal([100L, 101, 102, 103, 104], trace.EnumerateArray().Select(t => t.GetProperty("seed").GetInt64()));
        JsonElement best = trace.EnumerateArray().MinBy(t => t.GetProperty("loss").GetDouble());
        JsonElement image = Assert.Single(body.GetProperty("images").EnumerateArray());
        Assert.Equal(best.GetProperty("seed").GetInt64(), image.GetProperty("seed").GetInt64());
        Assert.Equal(-best.GetProperty("loss").GetDouble(), image.GetProperty("rewards").GetProperty("shapeworld-clip").GetDouble(), 3);
        Assert.Equal(5, body.GetProperty("alignment").GetProperty("iterations_run").GetInt32());
    }

    [Fact]
    public async Task BestOfNStreamsEachCandidateWithItsSeedAndRewards()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/generate/stream")
        {
            Content = JsonContent.Create(new
            {
                prompt = "a red circle", steps = 2, seed = 40,
                alignment = new { method = "best_of_n", n = 3, rewards = new Dictionary<string, double> { ["shapeworld-clip"] = 2.0 } },
            }),
        };
        string text = await (await Server.Client.SendAsync(request)).Content.ReadAsStringAsync();
        JsonElement[] data = text.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l[6..]).RootElement).ToArray();
        JsonElement[] streamed = data.Where(e => e.TryGetProperty("phase", out JsonElement p) && p.GetString() == "candidates")
            .SelectMany(e => e.GetProperty("candidates").EnumerateArray()).ToArray();
        Assert.True(streamed.Length == 3, text);
        Assert.Equal([40L, 41, 42], streamed.Select(c => c.GetProperty("seed").GetInt64()));
        Assert.Equal([0, 1, 2], streamed.Select(c => c.GetProperty("index").GetInt32()));
        // The streamed scores are the result's trace: total = Σ weight · reward = −loss.
        JsonElement[] trace = data[^1].GetProperty("alignment").GetProperty("trace").EnumerateArray().ToArray();
        for (int i = 0; i < 3; i++)
        {
            double clip = streamed[i].GetProperty("rewards").GetProperty("shapeworld-clip").GetDouble();
            Assert.Equal(trace[i].GetProperty("rewards").GetProperty("shapeworld-clip").GetDouble(), clip, 6);
            Assert.Equal(2.0 * clip, streamed[i].GetProperty("total").GetDouble(), 3);
            Assert.Equal(-trace[i].GetProperty("loss").GetDouble(), streamed[i].GetProperty("total").GetDouble(), 6);
        }
        // Denoising progress carries no candidates.
        Assert.DoesNotContain(data, e => e.TryGetProperty("phase", out JsonElement p) && p.GetString() != "candidates" && e.TryGetProperty("candidates", out _));
    }

    [Fact]
    public async Task RenoStreamsEveryIterationAndReturnsTheBestIterate()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/generate/stream")
        {
            Content = JsonContent.Create(new { prompt = "two green triangles", steps = 4, seed = 7, alignment = new { method = "reno", iterations = 4 } }),
        };
        HttpResponseMessage response = await Server.Client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        string[] lines = text.Split('\n');
        var progress = lines.Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l[6..]).RootElement)
            .Where(e => e.TryGetProperty("phase", out JsonElement p) && p.GetString() == "iteration").ToArray();
        Assert.Equal([1, 2, 3, 4], progress.Select(p => p.GetProperty("step").GetInt32()));
        // No rewards named: the embedded model's default alignment rewards, its two judges and its counter, weighted 1 each.
        string[] judges = [EmbeddedModel.JudgeReward, EmbeddedModel.HindsightJudgeReward, EmbeddedModel.CounterReward];
        Assert.All(progress, p => Assert.Equal(judges, p.GetProperty("rewards").EnumerateObject().Select(r => r.Name)));

        JsonElement result = JsonDocument.Parse(lines.Last(l => l.StartsWith("data: ", StringComparison.Ordinal))[6..]).RootElement;
        JsonElement trace = result.GetProperty("alignment").GetProperty("trace");
        Assert.Equal(4, trace.GetArrayLength());
        double bestLoss = trace.EnumerateArray().Min(t => t.GetProperty("loss").GetDouble());
        double returned = judges.Sum(j => result.GetProperty("images")[0].GetProperty("rewards").GetProperty(j).GetDouble());
        Assert.Equal(-bestLoss, returned, 3);
        Assert.Equal(7, result.GetProperty("images")[0].GetProperty("seed").GetInt64());

        Exposition scrape = Exposition.Parse(await Server.Client.GetStringAsync("/metrics"));
        Assert.Equal(4, scrape.Value("align_alignment_iterations_sum{method=\"reno\"}"));
        Assert.True(scrape.Value("align_alignment_reward_gain_sum{method=\"reno\"}") >= 0);
    }

    [Fact]
    public async Task AttendAndExciteReportsTheSubjectTokensAttentionPerStep()
    {
        HttpResponseMessage r = await Server.Generate(new { prompt = "a red circle and a blue square", steps = 6, seed = 3, alignment = new { method = "attend_excite" } });
        JsonElement body = await InProcessServer.Json(r);
        Assert.True(r.StatusCode == HttpStatusCode.OK, body.ToString());
        JsonElement[] trace = body.GetProperty("alignment").GetProperty("trace").EnumerateArray().ToArray();
        Assert.Equal(6, trace.Length);
        // the subjects chosen from the caption: "circle" and "square" (token 0 is the start token)
        Assert.Equal(["attention[3]", "attention[7]"], trace[0].GetProperty("rewards").EnumerateObject().Select(p => p.Name));
        Assert.All(trace, t => Assert.InRange(t.GetProperty("loss").GetDouble(), 0, 1));

        HttpResponseMessage explicitTokens = await Server.Generate(new { prompt = "a red circle", steps = 2, seed = 3, alignment = new { method = "attend_excite", token_indices = new[] { 2 } } });
        JsonElement e = await InProcessServer.Json(explicitTokens);
        Assert.True(explicitTokens.StatusCode == HttpStatusCode.OK, e.ToString());
        Assert.Equal(["attention[2]"], e.GetProperty("alignment").GetProperty("trace")[0].GetProperty("rewards").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task WeightedPromptsChangeTheImageAndMalformedOnesAreRefused()
    {
        // pixels, decoded by Pillow (the PNGs' text chunks hold the prompt as written)
        async Task<byte[]> Pixels(string prompt) => Align.Tests.Imaging.Pillow.Decode(Convert.FromBase64String(
            (await InProcessServer.Json(await Server.Generate(new { prompt, steps = 4, seed = 9 }))).GetProperty("images")[0].GetProperty("png_base64").GetString()!)).Pixels;
        byte[] plain = await Pixels("a red circle"), neutral = await Pixels("a (red:1.0) circle"), weighted = await Pixels("a (red:1.8) circle");
        Assert.Equal(plain, neutral);
        Assert.NotEqual(plain, weighted);
        HttpResponseMessage bad = await Server.Generate(new { prompt = "a (red:1.3 circle", steps = 2 });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("prompt", (await InProcessServer.Json(bad)).GetProperty("error").GetProperty("field").GetString());
    }

    [Fact]
    public async Task RenoCanStartFromTheBestOfNSeeds()
    {
        HttpResponseMessage r = await Server.Generate(new { prompt = "a yellow square", steps = 4, seed = 20, alignment = new { method = "reno", n = 3, iterations = 2 } });
        JsonElement body = await InProcessServer.Json(r);
        Assert.True(r.StatusCode == HttpStatusCode.OK, body.ToString());
        JsonElement[] trace = body.GetProperty("alignment").GetProperty("trace").EnumerateArray().ToArray();
        Assert.Equal(5, trace.Length);
        JsonElement[] candidates = trace.Where(t => t.TryGetProperty("seed", out _)).ToArray();
        Assert.Equal(3, candidates.Length);
        long bestSeed = candidates.MinBy(t => t.GetProperty("loss").GetDouble()).GetProperty("seed").GetInt64();
        Assert.Equal(bestSeed, body.GetProperty("images")[0].GetProperty("seed").GetInt64());
        Assert.Equal(2, body.GetProperty("alignment").GetProperty("iterations_run").GetInt32());
    }

    [Fact]
    public async Task RenoOptimisesTheSoftVerifierAndEveryImageCarriesItsScore()
    {
        HttpResponseMessage r = await Server.Generate(new
        {
            prompt = "a red square to the left of a blue circle", steps = 4, seed = 3,
            alignment = new { method = "reno", iterations = 3, rewards = new Dictionary<string, double> { ["shapeworld-soft-verifier"] = 1.0 } },
        });
        JsonElement body = await InProcessServer.Json(r);
        Assert.True(r.StatusCode == HttpStatusCode.OK, body.ToString());
        JsonElement[] trace = body.GetProperty("alignment").GetProperty("trace").EnumerateArray().ToArray();
        Assert.Equal(3, trace.Length);
        // The soft verifier's score is log P(pass): at most 0, and the returned image's score is its best iterate's.
        double[] scores = trace.Select(t => t.GetProperty("rewards").GetProperty("shapeworld-soft-verifier").GetDouble()).ToArray();
        Assert.All(scores, s => Assert.True(s <= 0 && double.IsFinite(s), $"log P {s}"));
        double returned = body.GetProperty("images")[0].GetProperty("rewards").GetProperty("shapeworld-soft-verifier").GetDouble();
        Assert.Equal(scores.Max(), returned, 3);

        // target_reward: the same run stops at the first iterate whose reward reaches the bar
        int reaching = Array.FindIndex(scores, s => s >= scores[1]);
        HttpResponseMessage stopped = await Server.Generate(new
        {
            prompt = "a red square to the left of a blue circle", steps = 4, seed = 3,
            alignment = new { method = "reno", iterations = 3, target_reward = scores[1], rewards = new Dictionary<string, double> { ["shapeworld-soft-verifier"] = 1.0 } },
        });
        JsonElement stoppedBody = await InProcessServer.Json(stopped);
        Assert.True(stopped.StatusCode == HttpStatusCode.OK, stoppedBody.ToString());
        Assert.Equal(reaching + 1, stoppedBody.GetProperty("alignment").GetProperty("iterations_run").GetInt32());
        Assert.True(reaching + 1 < 3, $"the bar {scores[1]} is reached only at the last iteration: {string.Join(", ", scores)}");

        HttpResponseMessage wrongMethod = await Server.Generate(new { prompt = "a red circle", steps = 2, alignment = new { method = "best_of_n", target_reward = -1.0 } });
        Assert.Equal(HttpStatusCode.BadRequest, wrongMethod.StatusCode);
        Assert.Contains("alignment.target_reward does not apply to method 'best_of_n'", (await InProcessServer.Json(wrongMethod)).ToString());
    }

    [Fact]
    public async Task AlignmentMethodsSampleWithTheRequestsScheduler()
    {
        async Task<JsonElement> Run(object body)
        {
            HttpResponseMessage r = await Server.Generate(body);
            JsonElement json = await InProcessServer.Json(r);
            Assert.True(r.StatusCode == HttpStatusCode.OK, json.ToString());
            return json;
        }
        static string[] Pngs(JsonElement body) => body.GetProperty("images").EnumerateArray().Select(i => i.GetProperty("png_base64").GetString()!).ToArray();

        JsonElement plainDdim = await Run(new { prompt = "a red circle", steps = 4, seed = 50, num_images = 2, scheduler = "ddim" });
        JsonElement plainEuler = await Run(new { prompt = "a red circle", steps = 4, seed = 50, num_images = 2 });
        JsonElement best = await Run(new
        {
            prompt = "a red circle", steps = 4, seed = 50, scheduler = "ddim",
            alignment = new { method = "best_of_n", n = 2, top_k = 2, rewards = new Dictionary<string, double> { ["shapeworld-clip"] = 1.0 } },
        });
        Assert.Equal("ddim", best.GetProperty("scheduler").GetString());
        // best-of-n's candidates are the plain DDIM images of their seeds, not the Euler ones
        var bySeed = best.GetProperty("images").EnumerateArray().ToDictionary(i => i.GetProperty("seed").GetInt64(), i => i.GetProperty("png_base64").GetString());
        Assert.Equal(Pngs(plainDdim), new[] { bySeed[50], bySeed[51] });
        Assert.NotEqual(Pngs(plainEuler), Pngs(plainDdim));

        JsonElement reno = await Run(new { prompt = "a red circle", steps = 2, seed = 3, scheduler = "lcm", alignment = new { method = "reno", iterations = 2 } });
        JsonElement excite = await Run(new { prompt = "a red circle", steps = 3, seed = 3, scheduler = "euler_karras", alignment = new { method = "attend_excite" } });
        // DPM-Solver++ keeps the previous step's x̂₀ in the graph that ReNO back-propagates through
        JsonElement renoDpm = await Run(new { prompt = "a red circle", steps = 4, seed = 3, scheduler = "dpmpp_2m", alignment = new { method = "reno", iterations = 3 } });
        Assert.Equal(("lcm", 2), (reno.GetProperty("scheduler").GetString(), reno.GetProperty("alignment").GetProperty("iterations_run").GetInt32()));
        Assert.Equal(("dpmpp_2m", 3), (renoDpm.GetProperty("scheduler").GetString(), renoDpm.GetProperty("alignment").GetProperty("iterations_run").GetInt32()));
        double[] losses = [.. renoDpm.GetProperty("alignment").GetProperty("trace").EnumerateArray().Select(t => t.GetProperty("loss").GetDouble())];
        Assert.True(losses.All(double.IsFinite) && losses.Distinct().Count() == 3, $"ReNO's iterations through DPM-Solver++ did not move the image: {string.Join(", ", losses)}");
        Assert.Equal("euler_karras", excite.GetProperty("scheduler").GetString());
    }
}
