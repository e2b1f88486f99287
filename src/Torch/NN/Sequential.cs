using System.Collections;

namespace Torch.NN;

/// <summary>
/// <c>nn.Sequential</c>: applies its children in order. Children are named "0", "1", ... or, with the named
/// constructor, as given (like an OrderedDict). Intermediate results are disposed as soon as they are consumed.
/// </summary>
public sealed class Sequential : Module<Tensor, Tensor>, IReadOnlyList<Module<Tensor, Tensor>>
{
    private readonly List<Module<Tensor, Tensor>> _items = [];

    public Sequential(params IEnumerable<Module<Tensor, Tensor>> modules)
    {
        foreach (var m in modules) Add(m);
    }

    public Sequential(IEnumerable<(string Name, Module<Tensor, Tensor> Module)> modules)
    {
        foreach (var (name, m) in modules) _items.Add(RegisterModule(name, m));
    }

    public int Count => _items.Count;
    public Module<Tensor, Tensor> this[int index] => _items[index < 0 ? index + _items.Count : index];

    public void Add(Module<Tensor, Tensor> module) =>
        _items.Add(RegisterModule(_items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module));

    public override Tensor Forward(Tensor input)
    {
        Tensor current = input;
        foreach (var m in _items)
        {
            Tensor next = m.Forward(current);
            // The autograd graph keeps its own references, so our handle on an intermediate can go now.
            if (!ReferenceEquals(current, input) && !ReferenceEquals(current, next)) current.Dispose();
            current = next;
        }
        return ReferenceEquals(current, input) ? Alias.Call(input) : current;
    }

    private static readonly Op Alias = new("aten::alias");

    public IEnumerator<Module<Tensor, Tensor>> GetEnumerator() => _items.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
