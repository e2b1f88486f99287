using System.CommandLine;
using System.Globalization;
using Align.Adapters;
using Align.Pipelines;

namespace Training.Adapters;

/// <summary>
/// <c>--adapter PATH[:WEIGHT]</c> (repeatable): adapters a sampling command (eval, pairs) applies to the model, in any
/// format <see cref="ModelAdapters.Load"/> reads, each at its weight (default 1).
/// </summary>
public sealed class AdapterChoiceOption
{
    private readonly Option<string[]> _option = new("--adapter")
    {
        Description = "apply this LoRA adapter (a directory or .safetensors file in any format the server reads) while sampling, as PATH or PATH:WEIGHT; repeatable",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option Option => _option;

    /// <summary>The adapters named on the command line, loaded against <paramref name="model"/> (none: an empty list).</summary>
    /// <exception cref="ArgumentException">a weight is not a finite number</exception>
    public ChosenAdapters Load(ParseResult result, StableDiffusionModel model)
    {
        var loaded = new List<(LoraAdapter, double)>();
        try
        {
            foreach (string spec in result.GetValue(_option) ?? [])
            {
                (string path, double weight) = Parse(spec);
                loaded.Add((model.Adapters.Load(path), weight));
            }
            return new ChosenAdapters(loaded);
        }
        catch
        {
            foreach ((LoraAdapter adapter, _) in loaded) adapter.Dispose();
            throw;
        }
    }

    /// <summary>"PATH" or "PATH:WEIGHT"; a suffix after the last colon that is not a number belongs to the path.</summary>
    public static (string Path, double Weight) Parse(string spec)
    {
        int colon = spec.LastIndexOf(':');
        if (colon > 0 && double.TryParse(spec[(colon + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double weight))
        {
            if (!double.IsFinite(weight)) throw new ArgumentException($"--adapter {spec}: the weight must be a finite number");
            return (spec[..colon], weight);
        }
        if (spec.Length == 0) throw new ArgumentException("--adapter: name a directory or file");
        return (spec, 1.0);
    }
}

/// <summary>Adapters loaded for a command, each with its weight; disposing frees them.</summary>
public sealed class ChosenAdapters(IReadOnlyList<(LoraAdapter Adapter, double Weight)> items) : IDisposable
{
    public IReadOnlyList<(LoraAdapter Adapter, double Weight)> Items { get; } = items;

    /// <summary>Each as {name, weight}, for the JSON reports.</summary>
    public IEnumerable<object> Describe() => Items.Select(a => new { name = a.Adapter.Name, weight = a.Weight });

    public void Dispose()
    {
        foreach ((LoraAdapter adapter, _) in Items) adapter.Dispose();
    }
}
