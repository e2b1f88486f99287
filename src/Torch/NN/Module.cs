using System.Diagnostics.CodeAnalysis;

namespace Torch.NN;

/// <summary>
/// Base of all layers and models, shaped like <c>torch.nn.Module</c>: a tree of named parameters, buffers and
/// child modules whose dotted names (<c>blocks.0.conv.weight</c>) are PyTorch's state-dict keys.
/// A subclass registers what it owns in its constructor: <c>conv_in = RegisterModule("conv_in", new Conv2d(...))</c>.
/// The module owns its registered tensors (they leave any <see cref="DisposeScope"/>) and frees them in
/// <see cref="Dispose"/>. By convention Forward returns a new tensor the caller owns and never its input.
/// </summary>
public abstract partial class Module : IDisposable
{
    private readonly OrderedDictionary<string, Tensor?> _parameters = new();
    private readonly OrderedDictionary<string, Tensor?> _buffers = new();
    private readonly HashSet<string> _nonPersistentBuffers = [];
    private readonly OrderedDictionary<string, Module?> _modules = new();
    private bool _disposed;

    /// <summary>Training mode (<c>module.training</c>); set for the whole tree with <see cref="Train"/> / <see cref="Eval"/>.</summary>
    public bool IsTraining { get; private set; } = true;

    // ------------------------------------------------------------ registration

    /// <summary>
    /// Registers (or replaces) a parameter, like assigning an <c>nn.Parameter</c>. The module takes ownership:
    /// the tensor leaves its dispose scope and, if floating point, gets requires_grad. Null registers a missing
    /// parameter (e.g. <c>bias=False</c>), which is left out of the state dict.
    /// </summary>
    [return: NotNullIfNotNull(nameof(tensor))]
    public Tensor? RegisterParameter(string name, Tensor? tensor)
    {
        CheckName(name, _parameters);
        if (tensor is not null)
        {
            if (!tensor.IsLeaf)
                throw new ArgumentException($"parameter '{name}' must be a leaf tensor (not the result of a differentiable op): pass .Detach()", nameof(tensor));
            tensor.DetachFromDisposeScope();
            if (tensor.DType.IsFloatingPoint()) tensor.RequiresGrad = true;
        }
        _parameters[name] = tensor;
        return tensor;
    }

    /// <summary>
    /// Registers (or replaces) a buffer: state that is not trained (running statistics, position ids...). The module
    /// takes ownership. Non-persistent buffers are left out of the state dict.
    /// </summary>
    [return: NotNullIfNotNull(nameof(tensor))]
    public Tensor? RegisterBuffer(string name, Tensor? tensor, bool persistent = true)
    {
        CheckName(name, _buffers);
        tensor?.DetachFromDisposeScope();
        _buffers[name] = tensor;
        if (persistent) _nonPersistentBuffers.Remove(name);
        else _nonPersistentBuffers.Add(name);
        return tensor;
    }

    /// <summary>Registers (or replaces) a child module under <paramref name="name"/>; returns it.</summary>
    public T RegisterModule<T>(string name, T module) where T : Module?
    {
        CheckName(name, _modules);
        if (ReferenceEquals(module, this)) throw new ArgumentException("a module cannot be its own child", nameof(module));
        _modules[name] = module;
        return module;
    }

    private void CheckName<T>(string name, OrderedDictionary<string, T> target)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('.')) throw new ArgumentException($"name '{name}' must not contain '.'", nameof(name));
        bool taken = (!ReferenceEquals(target, _parameters) && _parameters.ContainsKey(name))
            || (!ReferenceEquals(target, _buffers) && _buffers.ContainsKey(name))
            || (!ReferenceEquals(target, _modules) && _modules.ContainsKey(name));
        if (taken) throw new ArgumentException($"'{name}' is already registered as a different kind of member of {GetType().Name}", nameof(name));
    }

    // ------------------------------------------------------------ enumeration

    /// <summary>Direct children with their names (<c>named_children</c>).</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren()
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        foreach (var (name, m) in _modules)
            if (m is not null && seen.Add(m)) yield return (name, m);
    }

    public IEnumerable<Module> Children() => NamedChildren().Select(c => c.Module);

    /// <summary>This module ("") and all descendants, depth first, each once, with dotted names (<c>named_modules</c>).</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules() =>
        NamedModules(new HashSet<Module>(ReferenceEqualityComparer.Instance), "");

    private IEnumerable<(string Name, Module Module)> NamedModules(HashSet<Module> memo, string prefix)
    {
        if (!memo.Add(this)) yield break;
        yield return (prefix, this);
        foreach (var (name, m) in _modules)
        {
            if (m is null) continue;
            foreach (var item in m.NamedModules(memo, Join(prefix, name))) yield return item;
        }
    }

    public IEnumerable<Module> Modules() => NamedModules().Select(m => m.Module);

    /// <summary>Parameters with dotted names, each tensor once (<c>named_parameters</c>).</summary>
    public IEnumerable<(string Name, Tensor Parameter)> NamedParameters(bool recurse = true) => NamedMembers(m => m._parameters, recurse);

    public IEnumerable<Tensor> Parameters(bool recurse = true) => NamedParameters(recurse).Select(p => p.Parameter);

    /// <summary>Buffers (persistent or not) with dotted names, each tensor once (<c>named_buffers</c>).</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers(bool recurse = true) => NamedMembers(m => m._buffers, recurse);

    public IEnumerable<Tensor> Buffers(bool recurse = true) => NamedBuffers(recurse).Select(b => b.Buffer);

    private IEnumerable<(string, Tensor)> NamedMembers(Func<Module, OrderedDictionary<string, Tensor?>> members, bool recurse)
    {
        var memo = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        IEnumerable<(string Name, Module Module)> modules = recurse ? NamedModules() : [("", this)];
        foreach (var (prefix, module) in modules)
            foreach (var (name, t) in members(module))
                if (t is not null && memo.Add(t))
                    yield return (Join(prefix, name), t);
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    /// <summary>Calls <paramref name="fn"/> on every descendant, then on this module (<c>module.apply</c>); returns this.</summary>
    public Module Apply(Action<Module> fn)
    {
        foreach (Module child in Children()) child.Apply(fn);
        fn(this);
        return this;
    }

    // ------------------------------------------------------------ modes and gradients

    /// <summary>Sets training mode on this module and all descendants; returns this.</summary>
    public Module Train(bool mode = true)
    {
        foreach (var (_, m) in NamedModules()) m.IsTraining = mode;
        return this;
    }

    /// <summary>Evaluation mode (<c>module.eval()</c>); returns this.</summary>
    public Module Eval() => Train(false);

    /// <summary>Sets requires_grad on every parameter: false freezes the module, true unfreezes it. Returns this.</summary>
    public Module RequiresGrad_(bool requiresGrad = true)
    {
        foreach (Tensor p in Parameters()) p.RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>Clears the parameters' gradients: to null (default, as PyTorch 2.x) or to zeros.</summary>
    public void ZeroGrad(bool setToNone = true) => GradUtil.ZeroGrad(Parameters(), setToNone);

    // ------------------------------------------------------------ disposal

    /// <summary>Frees every parameter and buffer of this module and its descendants.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        foreach (Tensor t in Parameters().Concat(Buffers()).ToArray()) t.Dispose();
        foreach (var (_, m) in NamedModules()) m._disposed = true;
        GC.SuppressFinalize(this);
    }
}
