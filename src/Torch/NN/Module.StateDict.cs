namespace Torch.NN;

public abstract partial class Module
{
    /// <summary>
    /// <c>state_dict()</c>: parameters and persistent buffers under PyTorch's keys and in its order. The values are
    /// detached handles on the module's own storage (no copies); disposing them does not affect the module.
    /// </summary>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var result = new OrderedDictionary<string, Tensor>();
        foreach (var (key, t) in StateEntries()) result[key] = t.Detach();
        return result;
    }

    /// <summary>The module's own state tensors under their keys; shared tensors appear under every name, as in PyTorch.</summary>
    private IEnumerable<(string Key, Tensor Tensor)> StateEntries(string prefix = "")
    {
        foreach (var (name, p) in _parameters)
            if (p is not null) yield return (prefix + name, p);
        foreach (var (name, b) in _buffers)
            if (b is not null && !_nonPersistentBuffers.Contains(name)) yield return (prefix + name, b);
        foreach (var (name, m) in _modules)
        {
            if (m is null) continue;
            foreach (var entry in m.StateEntries(prefix + name + ".")) yield return entry;
        }
    }

    /// <summary>
    /// <c>load_state_dict</c>: copies the values into the module's tensors under no-grad, converting them to each
    /// tensor's dtype and device. Strict: any missing, unexpected or mis-shaped key throws one
    /// <see cref="StateDictMismatchException"/> naming them all, and nothing is copied. Not strict: the matching
    /// keys are copied and the others are reported in the result.
    /// </summary>
    public LoadStateDictResult LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        var missing = new List<string>();
        var mismatched = new List<ShapeMismatch>();
        var toCopy = new List<(Tensor Target, Tensor Source)>();
        var expected = new HashSet<string>();
        foreach (var (key, target) in StateEntries())
        {
            expected.Add(key);
            if (!stateDict.TryGetValue(key, out Tensor? source))
            {
                missing.Add(key);
                continue;
            }
            long[] want = target.Shape, got = source.Shape;
            if (!want.AsSpan().SequenceEqual(got)) mismatched.Add(new ShapeMismatch(key, want, got));
            else toCopy.Add((target, source));
        }
        var unexpected = stateDict.Keys.Where(k => !expected.Contains(k)).ToList();
        var result = new LoadStateDictResult(missing, unexpected, mismatched);
        if (strict && !result.IsEmpty) throw new StateDictMismatchException(GetType().Name, result);

        using GradMode _ = Autograd.NoGrad();
        foreach (var (target, source) in toCopy) target.Copy_(source);
        return result;
    }
}
