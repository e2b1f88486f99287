using System.Text.Json;
using System.Text.Json.Nodes;
using Align.Models.Clip;
using Align.Models.Diffusers;
using Align.Models.Vae;
using Align.Schedulers;
using Align.ShapeWorld;
using Align.Text;
using Torch;
using Training.Loop;
using Training.Reports;

namespace Training.Pretraining;

/// <summary>Step counts, batch sizes and seeds of a pre-training run (the defaults fit the 2-hour budget on 2 cores).</summary>
public sealed record PretrainingPlan(
    string OutputDirectory,
    ulong Seed = 42,
    int ClipSteps = 3000,
    int VaeSteps = 2000,
    int UNetSteps = 12000,
    int ClipBatch = 64,
    int VaeBatch = 16,
    int UNetBatch = 32,
    TimeSpan? UNetBudget = null);

/// <summary>
/// Pre-trains the embedded ShapeWorld model in stages — tokenizer, CLIP (reward model and text encoder), VAE, UNet — and
/// writes it in the diffusers layout (<c>model/</c>) beside the CLIPModel reward (<c>reward/</c>). Each stage checkpoints
/// under <c>train/&lt;stage&gt;/</c> and is skipped once done, so re-running the command resumes where it stopped.
/// </summary>
public sealed class ShapeWorldPretraining(PretrainingPlan plan, IProgressSink progress)
{
    private string Out(params string[] parts) => Path.Combine([plan.OutputDirectory, .. parts]);

    public void Run()
    {
        Directory.CreateDirectory(plan.OutputDirectory);
        RecordInvocation();
        string tokenizerDir = Out("model", "tokenizer");
        int vocab = BpeVocabularyBuilder.Write(tokenizerDir, Vocabulary.Words, ShapeWorldArchitecture.MaxTokens);
        var tokenizer = ClipTokenizer.FromDirectory(tokenizerDir);
        var data = new ShapeWorldSource(ShapeWorldArchitecture.ImageSize, (int)plan.Seed);

        Stage("clip", () =>
        {
            using var clip = new ClipModel(ShapeWorldArchitecture.Text(vocab), ShapeWorldArchitecture.Vision(), 64);
            TrainingLoop.Run(new ClipTask(clip, tokenizer, data, plan.ClipBatch), new TrainingOptions(Out("train", "clip"), plan.ClipSteps, 5e-4, plan.Seed), progress);
            clip.SavePretrained(Out("reward"));
            CopyTokenizer(tokenizerDir, Out("reward"));
            using var text = new ClipTextModel(clip.TextConfig);
            using (var scope = torch.NewDisposeScope())
                text.LoadStateDict(clip.StateDict().Where(kv => kv.Key.StartsWith("text_model.", StringComparison.Ordinal))
                    .ToDictionary(kv => kv.Key, kv => kv.Value));
            text.SavePretrained(Out("model", "text_encoder"));
        });

        Stage("vae", () =>
        {
            using var vae = new AutoencoderKL(ShapeWorldArchitecture.Vae());
            TrainingLoop.Run(new VaeTask(vae, data, plan.VaeBatch), new TrainingOptions(Out("train", "vae"), plan.VaeSteps, 1e-3, plan.Seed + 1), progress);
            double scaling = LatentScalingFactor(vae, data);
            progress.Message($"vae: latent scaling factor {scaling:F5} (1 / std of the latents)");
            vae.SavePretrained(Out("model", "vae"), config: vae.Config with { ScalingFactor = scaling });
        });

        Stage("unet", () =>
        {
            Directory.CreateDirectory(Out("model", "scheduler"));
            File.WriteAllText(Out("model", "scheduler", "scheduler_config.json"), ShapeWorldArchitecture.SchedulerConfig);
            using IScheduler scheduler = SchedulerFactory.FromConfig(Out("model", "scheduler"));
            using var vae = AutoencoderKL.FromPretrained(Out("model", "vae"));
            using var text = ClipTextModel.FromPretrained(Out("model", "text_encoder"));
            vae.RequiresGrad_(false);
            text.RequiresGrad_(false);
            using var unet = new UNet2DConditionModel(ShapeWorldArchitecture.UNet());
            var task = new UNetTask(unet, vae, text, tokenizer, data, plan.UNetBatch, scheduler.AlphasCumprod);
            TrainingLoop.Run(task, new TrainingOptions(Out("train", "unet"), plan.UNetSteps, 1e-3, plan.Seed + 2, TimeBudget: plan.UNetBudget), progress);
            unet.SavePretrained(Out("model", "unet"));
            WriteModelIndex(Out("model", "model_index.json"));
        });
    }

    // plan.json lists every invocation (a resumed run has several), so the manifest says exactly how the model was made.
    private void RecordInvocation()
    {
        string path = Out("plan.json");
        var runs = File.Exists(path) && JsonNode.Parse(File.ReadAllText(path)) is JsonObject o && o["runs"] is JsonArray a ? a : new JsonArray();
        runs.Add(JsonSerializer.SerializeToNode(new
        {
            plan,
            command = Environment.CommandLine,
            started = DateTimeOffset.UtcNow,
            libtorch = torch.Version,
            threads = torch.NumThreads,
        }));
        File.WriteAllText(path, new JsonObject { ["runs"] = runs.DeepClone() }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    // A stage runs unless its marker says it finished; the marker is written last.
    private void Stage(string name, Action run)
    {
        string marker = Out("train", name, "done.json");
        if (File.Exists(marker))
        {
            progress.Message($"{name}: done earlier ({marker})");
            return;
        }
        run();
        File.WriteAllText(marker, JsonSerializer.Serialize(new { stage = name, finished = DateTimeOffset.UtcNow }));
    }

    // Stable Diffusion's scaling factor makes latents roughly unit-variance: 1 / std over training images.
    private static double LatentScalingFactor(AutoencoderKL vae, IImageCaptionSource data)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = Autograd.NoGrad();
        var random = new Random(7);
        Tensor latents = torch.Cat(Enumerable.Range(0, 8).Select(_ => vae.Encode(data.Sample(32, random).Images * 2.0 - 1.0).Mean).ToArray());
        return 1.0 / latents.Std().ToDouble();
    }

    private static void CopyTokenizer(string from, string to)
    {
        foreach (string f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)), overwrite: true);
    }

    private static void WriteModelIndex(string path) => File.WriteAllText(path, """
        {
          "_class_name": "StableDiffusionPipeline",
          "_diffusers_version": "0.27.2",
          "requires_safety_checker": false,
          "safety_checker": [null, null],
          "feature_extractor": [null, null],
          "scheduler": ["diffusers", "EulerDiscreteScheduler"],
          "text_encoder": ["transformers", "CLIPTextModel"],
          "tokenizer": ["transformers", "CLIPTokenizer"],
          "unet": ["diffusers", "UNet2DConditionModel"],
          "vae": ["diffusers", "AutoencoderKL"]
        }
        """);
}
