using Align.Adapters.Formats;
using Align.Models.Diffusers;
using Torch;
using Torch.NN;

namespace Align.Adapters;

/// <summary>
/// The LoRA adapters of one model: reads adapter files against it (<see cref="Load"/>), creates trainable adapters
/// (<see cref="CreateTrainable"/>), applies adapters to a run (<see cref="Activate(IEnumerable{ValueTuple{LoraAdapter, double}}, CancellationToken)"/>)
/// and fuses one into the weights (<see cref="Fuse"/>). Adapters attach to the model's Linear and Conv2d layers through
/// their <see cref="IParallelBranch"/>: the module tree and the base state-dict keys never change.
/// </summary>
public sealed partial class ModelAdapters
{
    private readonly Dictionary<string, Dictionary<string, Module>> _layers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, UnderscoredNames> _underscored = new(StringComparer.Ordinal);
    private LdmUNetNames? _ldmNames;

    /// <param name="components">component name (<c>unet</c>, <c>text_encoder</c>, <c>text_encoder_2</c>) → its module</param>
    /// <param name="unetConfig">the UNet's config, which maps the original (LDM) block names kohya files use onto diffusers'</param>
    public ModelAdapters(IReadOnlyDictionary<string, Module> components, UNet2DConditionConfig? unetConfig)
    {
        Components = components;
        UNetConfig = unetConfig;
        foreach ((string name, Module module) in components)
            _layers[name] = module.NamedModules().Where(m => m.Module is Linear or Conv2d)
                .ToDictionary(m => m.Name, m => m.Module, StringComparer.Ordinal);
    }

    public IReadOnlyDictionary<string, Module> Components { get; }
    public UNet2DConditionConfig? UNetConfig { get; }

    /// <summary>The Linear and Conv2d layers of a component by path: every possible target.</summary>
    public IReadOnlyDictionary<string, Module> TargetableLayers(string component) =>
        _layers.TryGetValue(component, out var layers) ? layers : throw new ArgumentException($"the model has no component '{component}'", nameof(component));

    /// <summary>The Linear or Conv2d layer a target key names, or null.</summary>
    public Module? FindLayer(string key)
    {
        (string component, string path) = AdapterKeys.Split(key);
        return _layers.TryGetValue(component, out var layers) && layers.TryGetValue(path, out Module? layer) ? layer : null;
    }

    /// <summary>
    /// Reads an adapter in any of the formats people share, detected from the files: a PEFT directory
    /// (<c>adapter_config.json</c> + <c>adapter_model.safetensors</c>), a diffusers file (<c>pytorch_lora_weights.safetensors</c>
    /// or any <c>.safetensors</c> with <c>unet.</c>/<c>text_encoder.</c> keys), or a kohya/A1111 file (<c>lora_unet_…</c>,
    /// <c>lora_te…</c>). The tensors are put on each target layer's device and dtype. Never reads pickle files.
    /// </summary>
    /// <param name="name">defaults to the directory or file name</param>
    /// <exception cref="AdapterLoadException">the files cannot be read</exception>
    /// <exception cref="AdapterMismatchException">the adapter does not fit this model</exception>
    public LoraAdapter Load(string path, string? name = null) => LoraReader.Read(path, this, name);

    /// <summary>
    /// A fresh adapter for training: for every targeted layer, A drawn as PEFT does (kaiming-uniform, a = √5) from
    /// <paramref name="generator"/> and B zeros, so the adapted model starts equal to the base. Its tensors require grad;
    /// train them with an optimiser over <see cref="LoraAdapter.Parameters"/> while the base stays frozen.
    /// </summary>
    /// <param name="device">defaults to each target layer's device</param>
    /// <param name="dtype">defaults to each target layer's dtype (float32 keeps training precise over a half-precision base)</param>
    public LoraAdapter CreateTrainable(string name, LoraConfig config, Generator? generator = null, Device? device = null, DType? dtype = null)
    {
        if (config.Rank < 1) throw new ArgumentOutOfRangeException(nameof(config), config.Rank, "rank must be at least 1");
        var layers = new List<KeyValuePair<string, LoraLayer>>();
        try
        {
            foreach ((string component, IReadOnlyList<string> targets) in config.Targets)
            {
                var matched = TargetableLayers(component).Where(l => LoraConfig.Matches(l.Key, targets)).ToList();
                if (matched.Count == 0)
                    throw new ArgumentException($"no Linear or Conv2d layer of {component} matches the targets {string.Join(", ", targets)}", nameof(config));
                foreach ((string path, Module layer) in matched)
                    layers.Add(new(AdapterKeys.Join(component, path), NewLayer(layer, config, generator, device, dtype)));
            }
            return new LoraAdapter(name, layers);
        }
        catch
        {
            foreach (var (_, layer) in layers) layer.Dispose();
            throw;
        }
    }

    private static LoraLayer NewLayer(Module layer, LoraConfig config, Generator? generator, Device? device, DType? dtype)
    {
        long r = config.Rank;
        (long[] aShape, long[] bShape) = layer switch
        {
            Conv2d { Groups: 1 } c => (new[] { r, c.InChannels, c.KernelSize.H, c.KernelSize.W }, new[] { c.OutChannels, r, 1, 1 }),
            Linear l => (new[] { r, l.InFeatures }, new[] { l.OutFeatures, r }),
            _ => throw new ArgumentException($"LoRA cannot target a {layer.GetType().Name} with these settings (grouped convolution?)"),
        };
        Tensor weight = LayerFit.WeightOf(layer);
        Device where = device ?? weight.Device;
        DType type = dtype ?? weight.DType;
        using var scope = torch.NewDisposeScope();
        // Drawn in float32 on the CPU so a seed gives the same adapter on every device and precision.
        Tensor a = torch.Empty(aShape);
        Init.KaimingUniform_(a, a: Math.Sqrt(5), generator: generator);
        Tensor placed = a.To(where, type), b = torch.Zeros(bShape, type, where);
        var created = new LoraLayer(placed.DetachFromDisposeScope(), b.DetachFromDisposeScope(), config.Alpha ?? config.Rank,
            config.RankStabilized, config.Dropout);
        created.RequiresGrad_(true);
        return created;
    }

    /// <summary>Throws <see cref="AdapterMismatchException"/> naming every layer of the adapter the model lacks or whose shapes do not fit.</summary>
    public void Validate(LoraAdapter adapter)
    {
        var problems = new List<(string, string)>();
        foreach ((string key, LoraLayer layer) in adapter.Layers)
        {
            Module? target = FindLayer(key);
            string? problem = target is null ? NoSuchLayer(key) : LayerFit.Problem(target, layer.A.Shape, layer.B.Shape);
            if (problem is not null) problems.Add((key, problem));
        }
        if (problems.Count > 0) throw new AdapterMismatchException(adapter.Name, problems);
    }

    internal string NoSuchLayer(string key)
    {
        (string component, _) = AdapterKeys.Split(key);
        return _layers.ContainsKey(component)
            ? $"no Linear or Conv2d layer of that path in {component}"
            : $"the model has no component '{component}' (it has {string.Join(", ", _layers.Keys)})";
    }

    /// <summary>Maps a component's underscored layer names (kohya's <c>down_blocks_0_attentions_0_proj_in</c>) back to paths.</summary>
    internal UnderscoredNames Underscored(string component)
    {
        lock (_underscored)
        {
            if (!_underscored.TryGetValue(component, out UnderscoredNames? names))
                _underscored[component] = names = new UnderscoredNames(TargetableLayers(component).Keys);
            return names;
        }
    }

    /// <summary>The original Stable Diffusion (LDM/SGM) UNet block names, mapped through this model's UNet config.</summary>
    internal LdmUNetNames? LdmNames
    {
        get
        {
            if (UNetConfig is null) return null;
            return LazyInitializer.EnsureInitialized(ref _ldmNames, () => new LdmUNetNames(UNetConfig));
        }
    }
}
