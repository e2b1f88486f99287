using Torch;
using Torch.NN;

namespace Align.Models;

/// <summary>Loads safetensors weights into a module, one tensor at a time (never a second full copy of the model).</summary>
public static class ModelWeights
{
    /// <summary>
    /// Checks every key and shape of <paramref name="files"/> against the module's state dict first, from the headers
    /// alone; any missing, unexpected or mis-shaped key fails with one <see cref="ModelLoadException"/> listing them.
    /// Then copies each tensor in, converted to the parameter's dtype (e.g. fp16 files into fp32 on CPU).
    /// </summary>
    /// <param name="ignoreUnexpected">keys the reference implementation also ignores (e.g. legacy <c>position_ids</c> buffers)</param>
    /// <param name="renameKey">maps a checkpoint's key to the module's, where the reference does the same (legacy names)</param>
    public static void Load(Module module, IReadOnlyList<string> files, Func<string, bool>? ignoreUnexpected = null,
        Func<string, string>? renameKey = null)
    {
        var opened = new List<SafetensorsFile>();
        try
        {
            foreach (string f in files)
            {
                try
                {
                    opened.Add(Safetensors.Open(f));
                }
                catch (SafetensorsException e)
                {
                    throw new ModelLoadException(e.Message);
                }
            }
            var source = new Dictionary<string, (SafetensorsFile File, string Name)>();
            foreach (SafetensorsFile f in opened)
                foreach (string name in f.Names)
                {
                    string key = renameKey?.Invoke(name) ?? name;
                    if (!source.TryAdd(key, (f, name)))
                        throw new ModelLoadException($"{f.Path}: tensor '{name}' is given twice (also in {source[key].File.Path} as '{source[key].Name}')");
                }

            var targets = module.StateDict();
            try
            {
                var missing = targets.Keys.Where(k => !source.ContainsKey(k)).ToList();
                var unexpected = source.Keys.Where(k => !targets.ContainsKey(k) && ignoreUnexpected?.Invoke(k) != true).ToList();
                var mismatched = targets.Where(t => source.TryGetValue(t.Key, out var f) && !t.Value.Shape.SequenceEqual(f.File[f.Name].Shape))
                    .Select(t => new ShapeMismatch(t.Key, t.Value.Shape, source[t.Key].File[source[t.Key].Name].Shape.ToArray())).ToList();
                var result = new LoadStateDictResult(missing, unexpected, mismatched);
                if (!result.IsEmpty)
                    throw new ModelLoadException($"{string.Join(", ", files)}: weights do not fit {module.GetType().Name}: {result}");

                using var noGrad = Autograd.NoGrad();
                foreach ((string key, Tensor target) in targets)
                {
                    (SafetensorsFile file, string name) = source[key];
                    using Tensor value = file.Load(name, target.DType);
                    target.Copy_(value);
                }
            }
            finally
            {
                foreach (Tensor t in targets.Values) t.Dispose();
            }
        }
        finally
        {
            foreach (SafetensorsFile f in opened) f.Dispose();
        }
    }
}
