using System.Diagnostics;
using Align.Pipelines;
using Align.Rewards;
using Microsoft.Extensions.Options;
using Server.Metrics;
using Torch;

namespace Server.Models;

/// <summary>
/// The models this server serves, by name. Names and devices are known from configuration at once; the weights load in
/// <see cref="LoadAll"/> (at startup, off the request path), after which <see cref="Get"/> returns them.
/// </summary>
public sealed class ModelCatalog : IDisposable
{
    private readonly CatalogOptions _options;
    private readonly ServerMetrics _metrics;
    private readonly ILogger<ModelCatalog> _log;
    private readonly Dictionary<string, ServedModel> _loaded = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IRewardModel> _rewards = new(StringComparer.Ordinal);
    private readonly object _lock = new();

    public ModelCatalog(IOptions<CatalogOptions> options, IOptions<ServerOptions> server, ServerMetrics metrics, ILogger<ModelCatalog> log)
    {
        _options = options.Value.Models.Count > 0 ? options.Value : EmbeddedModel.DefaultCatalog(server.Value.Device);
        _metrics = metrics;
        _log = log;
        Validate(_options);
    }

    public IReadOnlyList<ModelOptions> Configured => _options.Models;

    /// <summary>The model requests get when they name none: the first configured.</summary>
    public string DefaultModel => _options.Models[0].Name;

    /// <summary>The devices models are configured on ("cpu", "cuda:0"): one work queue and worker each.</summary>
    public IReadOnlyList<string> Devices => _options.Models.Select(m => DeviceName(m.Device)).Distinct().ToArray();

    public ModelOptions? Find(string name) => _options.Models.FirstOrDefault(m => m.Name == name);

    /// <summary>The loaded model of that name, or null while it is not loaded.</summary>
    public ServedModel? Get(string name)
    {
        lock (_lock) return _loaded.GetValueOrDefault(name);
    }

    public static string DeviceName(string device) => Device.Parse(device).ToString();

    /// <summary>Loads every configured model and reward, and warms each model up with a short generation.</summary>
    public void LoadAll(CancellationToken cancel)
    {
        foreach (RewardOptions r in _options.Rewards)
        {
            cancel.ThrowIfCancellationRequested();
            var watch = Stopwatch.StartNew();
            IRewardModel reward = LoadReward(r);
            lock (_lock) _rewards[r.Name] = reward;
            _log.LogInformation("reward {Reward} ({Kind}) loaded in {Ms:F0} ms", r.Name, r.Kind, watch.Elapsed.TotalMilliseconds);
        }
        foreach (ModelOptions m in _options.Models)
        {
            cancel.ThrowIfCancellationRequested();
            var watch = Stopwatch.StartNew();
            Device device = Device.Parse(m.Device);
            DType? dtype = m.DType is null ? null : ParseDType(m.DType);
            var model = StableDiffusionModel.Load(m.Path, device, dtype).Freeze();
            var pipeline = new TextToImagePipeline(model, new PromptCache(model.Prompts, m.PromptCacheSize));
            IRewardModel[] rewards;
            lock (_lock) rewards = m.Rewards.Select(n => _rewards[n]).ToArray();
            var served = new ServedModel(m, model, pipeline, device, rewards, watch.Elapsed);
            WarmUp(served);
            lock (_lock) _loaded[m.Name] = served;
            _metrics.ModelLoaded(watch.Elapsed, m.Name);
            _log.LogInformation("model {Model} loaded from {Path} on {Device} and warmed up in {Ms:F0} ms", m.Name, m.Path, device, watch.Elapsed.TotalMilliseconds);
        }
    }

    private static void WarmUp(ServedModel model)
    {
        using var scope = torch.NewDisposeScope();
        int size = model.DefaultSize;
        using GenerationResult result = model.Pipeline.Generate(new TextToImageRequest("warm up", [0], size, size, 2, model.Options.DefaultGuidance));
        foreach (IRewardModel reward in model.Rewards) reward.Score(result.Images, ["warm up"]);
    }

    private static IRewardModel LoadReward(RewardOptions r) => r.Kind switch
    {
        "" or "model" or "clip" => RewardModels.Freeze(RewardModels.Load(
            r.Path ?? throw new InvalidOperationException($"reward {r.Name}: Path is required for a reward model"), r.Name, Device.Parse(r.Device))),
        _ => RewardModels.BuiltIn(r.Kind, r.Name)
            ?? throw new InvalidOperationException($"reward {r.Name}: unknown Kind '{r.Kind}' (model, {string.Join(", ", RewardModels.BuiltInNames)})"),
    };

    private static DType ParseDType(string text) => text.ToLowerInvariant() switch
    {
        "float32" or "fp32" => DType.Float32,
        "float16" or "fp16" => DType.Float16,
        "bfloat16" or "bf16" => DType.BFloat16,
        _ => throw new InvalidOperationException($"unknown DType '{text}' (float32, float16, bfloat16)"),
    };

    private static void Validate(CatalogOptions o)
    {
        var rewardNames = o.Rewards.Select(r => r.Name).ToHashSet();
        foreach (ModelOptions m in o.Models)
        {
            if (string.IsNullOrWhiteSpace(m.Name)) throw new InvalidOperationException("Server:Models: every model needs a Name");
            if (o.Models.Count(x => x.Name == m.Name) > 1) throw new InvalidOperationException($"Server:Models: the name '{m.Name}' is used twice");
            foreach (string r in m.Rewards.Where(r => !rewardNames.Contains(r)))
                throw new InvalidOperationException($"model {m.Name}: reward '{r}' is not configured under Server:Rewards");
            Device.Parse(m.Device);
            if (m.DType is not null) ParseDType(m.DType);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (ServedModel m in _loaded.Values) m.Dispose();
            foreach (IRewardModel r in _rewards.Values) r.Dispose();
            _loaded.Clear();
            _rewards.Clear();
        }
    }
}
