namespace Torch.Optim;

/// <summary>
/// Base of the <c>torch.optim</c> optimizers: parameter groups, lazily created per-parameter state (owned here,
/// outside any dispose scope, freed by <see cref="Dispose"/>) and a <see cref="Step"/> that updates each
/// parameter with a gradient in place under no-grad. Parameters without a gradient are skipped.
/// </summary>
public abstract partial class Optimizer : IDisposable
{
    private readonly List<ParamGroup> _groups = [];
    private readonly Dictionary<Tensor, Dictionary<string, Tensor>> _state = new(ReferenceEqualityComparer.Instance);
    private readonly double _defaultLearningRate;
    private readonly double _defaultWeightDecay;

    protected Optimizer(IEnumerable<ParamGroup> groups, double learningRate, double weightDecay)
    {
        if (learningRate < 0) throw new ArgumentOutOfRangeException(nameof(learningRate), $"invalid learning rate {learningRate}");
        if (weightDecay < 0) throw new ArgumentOutOfRangeException(nameof(weightDecay), $"invalid weight decay {weightDecay}");
        _defaultLearningRate = learningRate;
        _defaultWeightDecay = weightDecay;
        foreach (ParamGroup g in groups) AddParamGroup(g);
        if (_groups.Count == 0) throw new ArgumentException("the optimizer got an empty parameter list");
    }

    protected static IEnumerable<ParamGroup> SingleGroup(IEnumerable<Tensor> parameters) => [new ParamGroup(parameters)];

    public IReadOnlyList<ParamGroup> ParamGroups => _groups;

    /// <summary>The first group's learning rate; setting it sets every group's.</summary>
    public double LearningRate
    {
        get => _groups[0].LearningRate;
        set
        {
            foreach (ParamGroup g in _groups) g.LearningRate = value;
        }
    }

    public void AddParamGroup(ParamGroup group)
    {
        var known = new HashSet<Tensor>(_groups.SelectMany(g => g.Parameters), ReferenceEqualityComparer.Instance);
        foreach (Tensor p in group.Parameters)
        {
            if (!p.IsLeaf) throw new ArgumentException("can't optimize a non-leaf tensor");
            if (!known.Add(p)) throw new ArgumentException("some parameters appear in more than one parameter group");
        }
        if (group.Parameters.Count == 0) throw new ArgumentException("a parameter group needs at least one parameter");
        group.ApplyDefaults(_defaultLearningRate, _defaultWeightDecay);
        _groups.Add(group);
    }

    /// <summary>Clears the gradients of all optimized parameters: to null (default, as PyTorch 2.x) or to zeros.</summary>
    public void ZeroGrad(bool setToNone = true) => NN.GradUtil.ZeroGrad(_groups.SelectMany(g => g.Parameters), setToNone);

    /// <summary>One optimization step over every parameter that has a gradient.</summary>
    public void Step()
    {
        using DisposeScope scope = torch.NewDisposeScope();
        using GradMode _ = Autograd.NoGrad();
        foreach (ParamGroup group in _groups)
            foreach (Tensor p in group.Parameters)
            {
                Tensor? grad = p.Grad;
                if (grad is null) continue;
                if (!_state.TryGetValue(p, out Dictionary<string, Tensor>? state)) _state[p] = state = [];
                Update(p, grad, group, state);
            }
    }

    /// <summary>
    /// Updates one parameter in place (no-grad is on; temporaries are freed after the step). New state tensors must
    /// be added to <paramref name="state"/> through <see cref="Own"/>.
    /// </summary>
    protected abstract void Update(Tensor param, Tensor grad, ParamGroup group, Dictionary<string, Tensor> state);

    /// <summary>Takes a tensor out of the step's dispose scope: the optimizer owns it from now on.</summary>
    protected static Tensor Own(Tensor t) => t.DetachFromDisposeScope();

    /// <summary>Frees all optimizer state; the optimizer can keep stepping (state restarts).</summary>
    public void ClearState()
    {
        foreach (Dictionary<string, Tensor> s in _state.Values)
            foreach (Tensor t in s.Values) t.Dispose();
        _state.Clear();
    }

    public void Dispose()
    {
        ClearState();
        GC.SuppressFinalize(this);
    }
}
