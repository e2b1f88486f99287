using System.Globalization;

namespace Torch.Optim;

public abstract partial class Optimizer
{
    /// <summary>
    /// The optimizer's state as named tensors, laid out like PyTorch's <c>optimizer.state_dict()</c>:
    /// <c>state.{i}.{name}</c> for parameter i (numbered across groups in order), and per group g
    /// <c>param_groups.{g}.params</c> (int64 indices), <c>.lr</c> and <c>.weight_decay</c> (float64 scalars).
    /// State values are detached handles on the optimizer's own tensors (no copies).
    /// </summary>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var result = new OrderedDictionary<string, Tensor>();
        int index = 0;
        for (int g = 0; g < _groups.Count; g++)
        {
            ParamGroup group = _groups[g];
            var indices = new long[group.Parameters.Count];
            for (int k = 0; k < indices.Length; k++, index++)
            {
                indices[k] = index;
                if (!_state.TryGetValue(group.Parameters[k], out Dictionary<string, Tensor>? state)) continue;
                foreach (var (name, t) in state) result[$"state.{index}.{name}"] = t.Detach();
            }
            result[$"param_groups.{g}.params"] = Tensor.FromArray(indices, indices.Length);
            result[$"param_groups.{g}.lr"] = torch.Scalar(group.LearningRate, DType.Float64);
            result[$"param_groups.{g}.weight_decay"] = torch.Scalar(group.WeightDecay, DType.Float64);
        }
        return result;
    }

    /// <summary>
    /// Replaces the state with copies of the values in <paramref name="stateDict"/> (as written by <see cref="StateDict"/>),
    /// cast to each parameter's device and, for floating-point state other than <c>step</c>, its dtype; restores the
    /// groups' learning rates and weight decays. The groups must have the same sizes as when it was saved.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        Tensor[] flat = _groups.SelectMany(g => g.Parameters).ToArray();
        var loaded = new List<(int Index, string Name, Tensor Value)>();
        var groupSizes = new Dictionary<int, long>();
        var hyper = new List<(int Group, string Name, double Value)>();
        foreach (var (key, value) in stateDict)
        {
            string[] parts = key.Split('.', 3);
            if (parts.Length == 3 && parts[0] == "state" && int.TryParse(parts[1], CultureInfo.InvariantCulture, out int i))
            {
                if (i < 0 || i >= flat.Length) throw new ArgumentException($"optimizer state for parameter {i}, but there are only {flat.Length}");
                loaded.Add((i, parts[2], value));
            }
            else if (parts.Length == 3 && parts[0] == "param_groups" && int.TryParse(parts[1], CultureInfo.InvariantCulture, out int g)
                     && parts[2] is "params" or "lr" or "weight_decay")
            {
                if (g < 0 || g >= _groups.Count) throw new ArgumentException($"the saved state has a parameter group {g}, but the optimizer has {_groups.Count}");
                if (parts[2] == "params") groupSizes[g] = value.NumEl;
                else hyper.Add((g, parts[2], value.ToDouble()));
            }
            else
            {
                throw new ArgumentException($"unexpected key '{key}' in optimizer state");
            }
        }
        if (groupSizes.Count != _groups.Count)
            throw new ArgumentException($"the saved state has {groupSizes.Count} parameter groups, the optimizer has {_groups.Count}");
        foreach (var (g, size) in groupSizes)
            if (size != _groups[g].Parameters.Count)
                throw new ArgumentException($"parameter group {g} has {_groups[g].Parameters.Count} parameters, the saved one had {size}");

        var fresh = new Dictionary<Tensor, Dictionary<string, Tensor>>(ReferenceEqualityComparer.Instance);
        using (Autograd.NoGrad())
        {
            foreach (var (i, name, value) in loaded)
            {
                Tensor p = flat[i];
                DType dtype = name != "step" && value.DType.IsFloatingPoint() ? p.DType : value.DType;
                Device device = name == "step" && value.Device == Device.CPU ? Device.CPU : p.Device;
                if (!fresh.TryGetValue(p, out Dictionary<string, Tensor>? s)) fresh[p] = s = [];
                s[name] = value.To(device, dtype, copy: true).DetachFromDisposeScope();
            }
        }
        ClearState();
        foreach (var (p, s) in fresh) _state[p] = s;
        foreach (var (g, name, value) in hyper)
        {
            if (name == "lr") _groups[g].LearningRate = value;
            else _groups[g].WeightDecay = value;
        }
    }
}
