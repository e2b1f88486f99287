using Align.Models;
using Torch;
using Torch.NN;

namespace Align.Rewards;

/// <summary>
/// The MLP head of LAION's "improved aesthetic predictor" (christophschuhmann/improved-aesthetic-predictor,
/// simple_inference.py): <c>layers = Sequential(Linear(768,1024), Dropout(0.2), Linear(1024,128), Dropout(0.2),
/// Linear(128,64), Dropout(0.1), Linear(64,16), Linear(16,1))</c>, no activations. State-dict keys
/// <c>layers.{0,2,4,6,7}.{weight,bias}</c>; the widths are read from the weights.
/// </summary>
public sealed class AestheticMlp : Module<Tensor, Tensor>
{
    // Indices of the Linear layers inside the Sequential (the others are Dropouts, which have no weights).
    private static readonly int[] LinearIndices = [0, 2, 4, 6, 7];
    private static readonly double[] DropoutAfterLinear = [0.2, 0.2, 0.1];

    /// <param name="widths">the six widths: input (the CLIP embedding size), four hidden, output (1)</param>
    public AestheticMlp(IReadOnlyList<long> widths)
    {
        if (widths.Count != LinearIndices.Length + 1)
            throw new ArgumentException($"the aesthetic MLP has {LinearIndices.Length} linear layers: give {LinearIndices.Length + 1} widths, not {widths.Count}", nameof(widths));
        var modules = new List<Module<Tensor, Tensor>>();
        for (int i = 0; i < LinearIndices.Length; i++)
        {
            modules.Add(new Linear(widths[i], widths[i + 1]));
            if (i < DropoutAfterLinear.Length) modules.Add(new Dropout(DropoutAfterLinear[i]));
        }
        layers = RegisterModule("layers", new Sequential(modules));
        InputSize = widths[0];
        OutputSize = widths[^1];
    }

    public Sequential layers { get; }
    public long InputSize { get; }
    public long OutputSize { get; }

    /// <summary>Loads <c>layers.*</c> weights from a safetensors file, the widths taken from the weight shapes.</summary>
    public static AestheticMlp Load(string path)
    {
        if (!File.Exists(path)) throw new ModelLoadException($"{path}: file not found");
        var widths = new List<long>();
        using (SafetensorsFile file = OpenFile(path))
        {
            foreach (int index in LinearIndices)
            {
                string key = $"layers.{index}.weight";
                if (!file.Contains(key)) throw new ModelLoadException($"{path}: missing {key} (expected the improved aesthetic predictor's layers.{{{string.Join(",", LinearIndices)}}}.weight/bias)");
                long[] shape = file[key].Shape.ToArray();
                if (shape.Length != 2) throw new ModelLoadException($"{path}: {key} must be 2-D [out, in], got [{string.Join(", ", shape)}]");
                if (widths.Count == 0) widths.Add(shape[1]);
                else if (widths[^1] != shape[1]) throw new ModelLoadException($"{path}: {key} takes {shape[1]} inputs but the previous layer gives {widths[^1]}");
                widths.Add(shape[0]);
            }
        }
        if (widths[^1] != 1) throw new ModelLoadException($"{path}: the last layer must give one score, it gives {widths[^1]}");
        var mlp = new AestheticMlp(widths);
        try
        {
            ModelWeights.Load(mlp, [path]);
            mlp.Eval();
            return mlp;
        }
        catch
        {
            mlp.Dispose();
            throw;
        }
    }

    /// <param name="input">[B, InputSize] L2-normalised CLIP image embeddings</param>
    /// <returns>[B, 1]</returns>
    public override Tensor Forward(Tensor input) => layers.Forward(input);

    private static SafetensorsFile OpenFile(string path)
    {
        try
        {
            return Safetensors.Open(path);
        }
        catch (SafetensorsException e)
        {
            throw new ModelLoadException(e.Message);
        }
    }
}
