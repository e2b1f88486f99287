using System.Globalization;
using System.Text.Json;
using Align.Adapters;
using Align.Adapters.Store;
using Align.Pipelines;
using Torch;
using Training.Evaluation;
using Training.Loop;

namespace Training.Adapters;

/// <summary>What an adapter-training run produced: the training report, both evaluations (when run), and where the adapter went.</summary>
public sealed record AdapterRunResult(TrainingReport Training, EvalResult? Base, EvalResult? Adapted, string AdapterDirectory, AdapterVersion? Published);

/// <summary>
/// The part of every adapter-training method that is not its loss: load and freeze the base model, create the trainable
/// LoRA (seeded, B = 0 so training starts at the base), evaluate the base on ShapeWorld, train (checkpoints, resume,
/// curves), evaluate with the adapter at the same seeds, write the adapter with its metadata, and publish it.
/// A run stopped by its time budget writes a checkpoint and nothing else: the same command resumes it.
/// </summary>
public static class AdapterTrainer
{
    /// <param name="makeTask">the method's loss over the frozen model and the trainable adapter</param>
    public static AdapterRunResult Run(AdapterTrainingSettings s, string method, string trainingData, IReadOnlyDictionary<string, object> hyperparameters,
        Func<StableDiffusionModel, LoraAdapter, ITrainingTask> makeTask, IProgressSink progress)
    {
        AdapterStore.ValidateName(s.Name);
        Directory.CreateDirectory(s.Output);
        var device = Device.Parse(s.Device);
        using StableDiffusionModel model = StableDiffusionModel.Load(s.Model, device).Freeze();
        using var generator = new Generator(s.Seed);
        var config = new LoraConfig { Rank = s.Rank, Alpha = s.Alpha, Targets = s.Targets };
        using LoraAdapter adapter = model.Adapters.CreateTrainable(s.Name, config, generator, dtype: DType.Float32);
        if (s.InitAdapter is not null) StartFrom(model, adapter, s.InitAdapter);
        var pipeline = new TextToImagePipeline(model, new PromptCache(model.Prompts, 256));

        EvalResult? before = s.EvalPrompts > 0 ? EvaluateOnce(pipeline, s, null, Path.Combine(s.Output, "eval-base"), progress) : null;
        ITrainingTask task = makeTask(model, adapter);
        var options = new TrainingOptions(Path.Combine(s.Output, "train"), s.Steps, s.LearningRate, s.Seed, s.CheckpointEvery,
            WarmupSteps: Math.Min(100, Math.Max(1, s.Steps / 10)), TimeBudget: s.TimeBudget, GradientAccumulation: s.GradientAccumulation);
        TrainingReport report = TrainingLoop.Run(task, options, progress);
        string adapterDirectory = Path.Combine(s.Output, "adapter");
        if (report.StepsDone < s.Steps)
        {
            progress.Message($"stopped at step {report.StepsDone} of {s.Steps} (time budget): run the same command again to resume");
            return new AdapterRunResult(report, before, null, adapterDirectory, null);
        }

        EvalResult? after = s.EvalPrompts > 0 ? EvaluateOnce(pipeline, s, adapter, Path.Combine(s.Output, $"eval-adapter-step{report.StepsDone}"), progress) : null;
        var metrics = new Dictionary<string, object> { ["steps"] = report.StepsDone, ["final_loss"] = FinalLoss(report) };
        if (before is not null && after is not null)
        {
            metrics["eval_prompts_per_category"] = s.EvalPrompts;
            metrics["eval_seeds"] = s.EvalSeeds;
            metrics["accuracy_base"] = Math.Round(before.Overall.Accuracy, 4);
            metrics["accuracy_adapter"] = Math.Round(after.Overall.Accuracy, 4);
            metrics["accuracy_by_category"] = after.Categories.ToDictionary(c => c.Category, c => Math.Round(c.Accuracy, 4));
        }
        var hyper = new Dictionary<string, object>(hyperparameters)
        {
            ["init_adapter"] = s.InitAdapter is null ? "" : Path.GetFullPath(s.InitAdapter),
            ["rank"] = s.Rank, ["alpha"] = s.Alpha ?? s.Rank, ["targets"] = s.Targets, ["learning_rate"] = s.LearningRate, ["steps"] = s.Steps,
            ["batch"] = s.Batch, ["gradient_accumulation"] = s.GradientAccumulation, ["seed"] = s.Seed,
        };
        string baseHash = AdapterMetadata.HashBaseModel(s.Model);
        adapter.Metadata[AdapterMetadata.Method] = method;
        adapter.Metadata[AdapterMetadata.BaseModel] = Path.GetFullPath(s.Model);
        adapter.Metadata[AdapterMetadata.BaseModelSha256] = baseHash;
        adapter.Metadata[AdapterMetadata.TrainingData] = trainingData;
        adapter.Metadata[AdapterMetadata.HyperParameters] = JsonSerializer.Serialize(hyper);
        adapter.Metadata[AdapterMetadata.Metrics] = JsonSerializer.Serialize(metrics);
        adapter.Save(adapterDirectory);
        progress.Message($"adapter written to {adapterDirectory}");

        AdapterVersion? published = null;
        if (s.Publish is not null)
        {
            var annotations = new Dictionary<string, string>
            {
                [AdapterMetadata.Method] = method,
                [AdapterMetadata.BaseModel] = Path.GetFileName(Path.GetFullPath(s.Model).TrimEnd('/')),
                [AdapterMetadata.BaseModelSha256] = baseHash,
                [AdapterMetadata.Metrics] = adapter.Metadata[AdapterMetadata.Metrics],
            };
            published = new AdapterStore(s.Publish).Publish(s.Name, adapterDirectory, annotations);
            progress.Message($"published {s.Name} version {published.Version} to {s.Publish}");
        }
        return new AdapterRunResult(report, before, after, adapterDirectory, published);
    }

    /// <summary>
    /// Copies the weights of the adapter at <paramref name="path"/> into <paramref name="trainable"/>: the same layers, ranks
    /// and shapes are required; B is rescaled when the alphas differ, so the starting model is the saved adapter's.
    /// </summary>
    /// <exception cref="ArgumentException">the saved adapter's layers or shapes differ, naming them</exception>
    public static void StartFrom(StableDiffusionModel model, LoraAdapter trainable, string path)
    {
        using LoraAdapter saved = model.Adapters.Load(path);
        string[] missing = trainable.Layers.Keys.Except(saved.Layers.Keys).ToArray(), extra = saved.Layers.Keys.Except(trainable.Layers.Keys).ToArray();
        if (missing.Length + extra.Length > 0)
            throw new ArgumentException($"--init-adapter {path}: its layers differ from the targets ({Listed("not in it", missing)}{(missing.Length > 0 && extra.Length > 0 ? "; " : "")}{Listed("not targeted", extra)})");
        foreach ((string key, LoraLayer layer) in trainable.Layers)
        {
            LoraLayer from = saved.Layers[key];
            if (!from.A.Shape.SequenceEqual(layer.A.Shape) || !from.B.Shape.SequenceEqual(layer.B.Shape))
                throw new ArgumentException($"--init-adapter {path}: {key} has A {Shape(from.A)}, B {Shape(from.B)}; the targets need A {Shape(layer.A)}, B {Shape(layer.B)} (same --rank)");
        }
        using (Autograd.NoGrad())
            foreach ((string key, LoraLayer layer) in trainable.Layers)
            {
                LoraLayer from = saved.Layers[key];
                layer.A.Copy_(from.A);
                using Tensor b = from.B * (from.Scale / layer.Scale);
                layer.B.Copy_(b);
            }
    }

    private static string Listed(string what, string[] keys) =>
        keys.Length == 0 ? "" : $"{what}: {string.Join(", ", keys.Take(5))}{(keys.Length > 5 ? $" and {keys.Length - 5} more" : "")}";

    private static string Shape(Tensor t) => "[" + string.Join(", ", t.Shape) + "]";

    // The evaluation at fixed seeds, with the adapter applied or the bare base; kept in `directory` so a resumed run does not repeat it
    // (the adapter's directory names its step count: a run resumed with more steps evaluates the new adapter).
    private static EvalResult EvaluateOnce(TextToImagePipeline pipeline, AdapterTrainingSettings s, LoraAdapter? adapter, string directory, IProgressSink progress)
    {
        string file = Path.Combine(directory, "eval.json");
        if (File.Exists(file) && JsonSerializer.Deserialize<EvalResult>(File.ReadAllText(file), Json) is { } saved) return saved;
        var plan = new EvalPlan(s.EvalPrompts, s.EvalSeeds, s.EvalSteps, s.Guidance);
        EvalResult result;
        using (pipeline.Model.Adapters.Activate(adapter is null ? [] : [(adapter, 1.0)]))
        using (Autograd.NoGrad())
            result = new ShapeWorldEval(pipeline, null, new BaseMethod() { Label = adapter is null ? "base" : $"base + {adapter.Name}" })
                .Run(plan, directory, line => progress.Message($"eval ({(adapter is null ? "base" : "adapter")}) {line}"));
        Directory.CreateDirectory(directory);
        File.WriteAllText(file, JsonSerializer.Serialize(result, Json));
        progress.Message(string.Create(CultureInfo.InvariantCulture, $"eval ({(adapter is null ? "base" : "adapter")}): {result.Overall.Accuracy:P1} of {result.Overall.Images} images pass"));
        return result;
    }

    private static double FinalLoss(TrainingReport report)
    {
        var losses = report.Metrics.TakeLast(Math.Max(1, report.Metrics.Count / 10)).Select(m => m.First().Value).ToArray();
        return losses.Length == 0 ? double.NaN : Math.Round(losses.Average(), 6);
    }

    // NaN allowed: the evaluation scores no reward (mean reward NaN).
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
