namespace Align.Adapters;

/// <summary>
/// A scope in which some adapters, each with its weight, are applied to a model: everything the model computes inside
/// it (forward and backward passes) sees them; disposing it restores the base model and lets the next activation in.
/// Returned by <see cref="ModelAdapters.Activate(IEnumerable{ValueTuple{LoraAdapter, double}}, CancellationToken)"/>.
/// </summary>
public sealed class AdapterActivation : IDisposable
{
    private readonly ModelAdapters _owner;
    private int _ended;

    internal AdapterActivation(ModelAdapters owner, IReadOnlyList<(LoraAdapter Adapter, double Weight)> adapters, int holderThread)
    {
        _owner = owner;
        Adapters = adapters;
        HolderThread = holderThread;
    }

    /// <summary>The adapters applied, with their weights, in the order given.</summary>
    public IReadOnlyList<(LoraAdapter Adapter, double Weight)> Adapters { get; }

    internal int HolderThread { get; }

    internal List<Torch.NN.Module> Attached { get; } = [];

    public bool IsEnded => Volatile.Read(ref _ended) != 0;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _ended, 1) == 0) _owner.End(this);
    }
}
