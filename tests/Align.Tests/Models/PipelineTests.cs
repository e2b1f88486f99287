using System.Text.Json;
using Align.Imaging;
using Align.Pipelines;
using Torch;

namespace Align.Tests.Models;

/// <summary>Full text-to-image runs equal diffusers' pipelines from the same initial latents: every step, the decoded image, the pixels.</summary>
public class PipelineTests
{
    public static TheoryData<string, string> Runs()
    {
        var data = new TheoryData<string, string>();
        foreach (string model in new[] { "tiny-sd15", "tiny-sd21-v", "tiny-sdxl" })
        {
            using SafetensorsFile refs = Reference.Open($"{model}.pipeline.safetensors");
            foreach (JsonProperty run in Reference.MetadataJson(refs, "runs").GetProperty("runs").EnumerateObject()) data.Add(model, run.Name);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void MatchesDiffusers(string model, string run)
    {
        using var scope = torch.NewDisposeScope();
        using SafetensorsFile refs = Reference.Open($"{model}.pipeline.safetensors");
        JsonElement meta = Reference.MetadataJson(refs, "runs"), spec = meta.GetProperty("runs").GetProperty(run);
        using var temp = new TempDirectory("sched");
        string schedulerPath = Path.Combine(temp.Path, "scheduler_config.json");
        File.WriteAllText(schedulerPath, spec.GetProperty("scheduler_config").GetRawText());

        using StableDiffusionModel sd = StableDiffusionModel.Load(Reference.Model(model));
        AssertRunMatches(refs, run, new TextToImagePipeline(sd, schedulerConfigPath: schedulerPath), Request(meta, spec));
    }

    /// <summary>
    /// diffusers' DDIM runs used <c>DDIMScheduler.from_config(pipe.scheduler.config, clip_sample=False, set_alpha_to_one=False)</c>
    /// on the model's Euler config: a request naming scheduler "ddim" on the model as loaded must give the same run.
    /// </summary>
    [Theory]
    [InlineData("tiny-sd15")]
    [InlineData("tiny-sd21-v")]
    [InlineData("tiny-sdxl")]
    public void RequestChoosingDdimReproducesDiffusersDdimRun(string model)
    {
        using var scope = torch.NewDisposeScope();
        using SafetensorsFile refs = Reference.Open($"{model}.pipeline.safetensors");
        JsonElement meta = Reference.MetadataJson(refs, "runs"), spec = meta.GetProperty("runs").GetProperty("ddim2_g7.5");
        Assert.Equal("DDIMScheduler", spec.GetProperty("scheduler_config").GetProperty("_class_name").GetString());
        using StableDiffusionModel sd = StableDiffusionModel.Load(Reference.Model(model));
        var pipeline = new TextToImagePipeline(sd);
        Assert.Equal(("EulerDiscreteScheduler", "euler"), (pipeline.SchedulerClass, pipeline.DefaultScheduler));
        AssertRunMatches(refs, "ddim2_g7.5", pipeline, Request(meta, spec) with { Scheduler = "ddim" });
    }

    private static TextToImageRequest Request(JsonElement meta, JsonElement spec) =>
        new(meta.GetProperty("prompt").GetString()!, [0], meta.GetProperty("width").GetInt32(),
            meta.GetProperty("height").GetInt32(), spec.GetProperty("num_inference_steps").GetInt32(), spec.GetProperty("guidance_scale").GetDouble(),
            spec.TryGetProperty("negative_prompt", out JsonElement n) ? n.GetString() : null,
            OriginalSize: Pair(spec, "original_size"), CropTopLeft: Pair(spec, "crops_coords_top_left") ?? default, TargetSize: Pair(spec, "target_size"));

    private static void AssertRunMatches(SafetensorsFile refs, string run, TextToImagePipeline pipeline, TextToImageRequest request)
    {
        var steps = new List<Tensor>();
        using GenerationResult result = pipeline.Generate(request, refs.Load("in.latents"), p => steps.Add(p.Latents.Clone().DetachFromDisposeScope()));

        Assert.Equal(refs.Load($"{run}.timesteps").ToArray<float>().Select(v => (double)v), result.Timesteps);
        // With guidance g, a step moves the latents by (σ_next − σ)·(ε_u + g·(ε_c − ε_u)): at the first step that is about
        // 100× the UNet's float32 rounding, so elements near zero differ by ~1e-4 absolute between any two float32 runs
        // (thread counts alone move them that much; ref/README.md reports the reference's own spread at 1.2e-4).
        // Latents get that absolute floor; the decoded image is held to the README's tolerance.
        const double latentFloor = 2.5e-4;
        for (int i = 0; i < steps.Count; i++)
            if (refs.Contains($"{run}.step{i}.latents"))
                Reference.AssertClose(refs.Load($"{run}.step{i}.latents"), steps[i], $"{run} latents after step {i}", atol: latentFloor);
        Reference.AssertClose(refs.Load($"{run}.latents_final"), steps[^1], $"{run} final latents", atol: latentFloor);
        Reference.AssertClose(refs.Load($"{run}.decoded_raw"), result.DecodedRaw, $"{run} decoded");
        using Tensor hwc = result.Images.Permute(0, 2, 3, 1);
        Reference.AssertClose(refs.Load($"{run}.image_np"), hwc, $"{run} image", rtol: 1e-3);
        foreach (Tensor t in steps) t.Dispose();
    }

    [Fact]
    public void SeededRunsRepeatAndDiffer()
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = StableDiffusionModel.Load(Reference.Model("tiny-sd15"));
        var pipeline = new TextToImagePipeline(sd, new PromptCache(sd.Prompts, 8));
        var request = new TextToImageRequest("a red circle", [7, 8], 16, 16, 2, 3.0);
        using GenerationResult a = pipeline.Generate(request), b = pipeline.Generate(request);
        Assert.Equal(a.Images.ToArray<float>(), b.Images.ToArray<float>());
        Assert.NotEqual(a.Images[0].ToArray<float>(), a.Images[1].ToArray<float>());
        using GenerationResult single = pipeline.Generate(request with { Seeds = [8] });
        Reference.AssertClose(a.Images[1], single.Images[0], "image of seed 8 alone vs in a batch", rtol: 1e-5);
        Assert.Equal((2, 1), (pipeline.Prompts!.Hits, pipeline.Prompts.Misses));
        (byte[] pixels, int w, int h, _) = ImageConversion.ToBytes(a.Images[0]);
        (string mode, int pw, int ph, byte[] decoded, _) = Imaging.Pillow.Decode(ImageConversion.ToPng(a.Images[0]));
        Assert.Equal(("RGB", 16, 16), (mode, pw, ph));
        Assert.Equal((16, 16), (w, h));
        Assert.Equal(pixels, decoded);
    }

    [Theory]
    [InlineData("tiny-sd15")]
    [InlineData("tiny-sdxl")]
    public void RequestsBatchedTogetherGiveWhatEachGivesAlone(string model)
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = StableDiffusionModel.Load(Reference.Model(model));
        var pipeline = new TextToImagePipeline(sd);
        var first = new TextToImageRequest("a red circle", [3], 16, 16, 2, 3.0);
        var second = new TextToImageRequest("two blue squares", [4, 5], 16, 16, 2, 3.0, NegativePrompt: "green");
        using GenerationResult together = pipeline.Generate([first, second]);
        using GenerationResult alone1 = pipeline.Generate(first), alone2 = pipeline.Generate(second);
        Assert.Equal([3L, 4L, 5L], together.Seeds);
        Reference.AssertClose(alone1.Images, together.Images[..1], "first request alone vs batched", rtol: 1e-5, atol: 1e-5);
        Reference.AssertClose(alone2.Images, together.Images[1..], "second request alone vs batched", rtol: 1e-5, atol: 1e-5);
    }

    [Fact]
    public void RequestsThatDifferInStepsOrSchedulerCannotShareABatch()
    {
        using StableDiffusionModel sd = StableDiffusionModel.Load(Reference.Model("tiny-sd15"));
        var pipeline = new TextToImagePipeline(sd);
        var a = new TextToImageRequest("a red circle", [3], 16, 16, 2, 3.0);
        var e = Assert.Throws<ArgumentException>(() => pipeline.Generate([a, a with { Steps = 3 }]));
        Assert.Equal("steps", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => pipeline.Generate([a, a with { Scheduler = "ddim" }]));
        Assert.Equal("scheduler", e.ParamName);
    }

    [Fact]
    public void NamingTheModelsOwnSchedulerChangesNothingAndAnotherChangesTheImage()
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = StableDiffusionModel.Load(Reference.Model("tiny-sd15"));
        var pipeline = new TextToImagePipeline(sd);
        var request = new TextToImageRequest("a red circle", [3], 16, 16, 3, 3.0);
        using GenerationResult own = pipeline.Generate(request), named = pipeline.Generate(request with { Scheduler = "euler" });
        Assert.Equal(own.Images.ToArray<float>(), named.Images.ToArray<float>());
        using GenerationResult karras = pipeline.Generate(request with { Scheduler = "euler_karras" });
        Assert.NotEqual(own.Timesteps, karras.Timesteps);
        Assert.True((own.Images - karras.Images).Abs().Max().ToDouble() > 1e-3, "Karras sigmas gave the same image as the model's own");
        var e = Assert.Throws<ArgumentException>(() => pipeline.Generate(request with { Scheduler = "heun" }));
        Assert.Equal("scheduler", e.ParamName);
    }

    [Fact]
    public void BadSizeNamesTheField()
    {
        using StableDiffusionModel sd = StableDiffusionModel.Load(Reference.Model("tiny-sd15"));
        var pipeline = new TextToImagePipeline(sd);
        var e = Assert.Throws<ArgumentException>(() => pipeline.Generate(new TextToImageRequest("x", [1], 15, 16, 2, 3.0)));
        Assert.Equal("width", e.ParamName);
    }

    private static (int, int)? Pair(JsonElement spec, string name) =>
        spec.TryGetProperty(name, out JsonElement v) ? (v[0].GetInt32(), v[1].GetInt32()) : null;
}
