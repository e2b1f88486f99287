namespace Torch;

/// <summary>
/// Owns every tensor created on this thread while it is the innermost open scope, and frees them
/// all when disposed, except those moved out (<see cref="Tensor.MoveToOuterScope"/>) or detached
/// (<see cref="Tensor.DetachFromDisposeScope"/>). Wrap each request and each training step in one.
/// Scopes are per thread and must be disposed in reverse order of creation, on the thread that made them.
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? _current;

    private readonly DisposeScope? _outer;
    private readonly Thread _thread;
    private List<Tensor>? _tensors = [];

    internal DisposeScope()
    {
        _outer = _current;
        _thread = Thread.CurrentThread;
        _current = this;
    }

    /// <summary>The innermost open scope of this thread, or null.</summary>
    public static DisposeScope? Current => _current;

    /// <summary>Number of tensors this scope still owns (disposed ones included until the scope ends).</summary>
    public int Count => _tensors?.Count ?? 0;

    internal static void Register(Tensor t)
    {
        DisposeScope? s = _current;
        if (s is null) return;
        s._tensors!.Add(t);
        t.Scope = s;
    }

    internal void MoveToOuter(Tensor t)
    {
        t.Scope = _outer;
        _outer?._tensors!.Add(t);
    }

    /// <summary>Moves tensors out of this scope into the enclosing one (or none), and returns the first.</summary>
    public Tensor MoveToOuter(params Tensor[] tensors)
    {
        foreach (Tensor t in tensors)
            if (t.Scope == this) MoveToOuter(t);
        return tensors[0];
    }

    public void Dispose()
    {
        if (_tensors is null) return;
        if (Thread.CurrentThread != _thread)
            throw new InvalidOperationException("a DisposeScope must be disposed on the thread that created it");
        if (_current != this)
            throw new InvalidOperationException("DisposeScopes must be disposed innermost first");
        _current = _outer;
        List<Tensor> owned = _tensors;
        _tensors = null;
        foreach (Tensor t in owned)
        {
            if (t.Scope != this) continue;
            t.Scope = null;
            t.Dispose();
        }
    }
}
