using System.Collections;

namespace Torch.NN;

/// <summary><c>nn.ModuleList</c> with typed items: children named "0", "1", ... in order.</summary>
public class ModuleList<T> : Module, IReadOnlyList<T> where T : Module
{
    private readonly List<T> _items = [];

    public ModuleList(params IEnumerable<T> modules)
    {
        foreach (T m in modules) Add(m);
    }

    public int Count => _items.Count;

    public T this[int index]
    {
        get => _items[index < 0 ? index + _items.Count : index];
        set
        {
            int k = index < 0 ? index + _items.Count : index;
            if (k < 0 || k >= _items.Count) throw new ArgumentOutOfRangeException(nameof(index));
            _items[k] = RegisterModule(k.ToString(System.Globalization.CultureInfo.InvariantCulture), value);
        }
    }

    /// <summary>Appends a module (<c>append</c>); also enables collection initialisers.</summary>
    public void Add(T module) =>
        _items.Add(RegisterModule(_items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module));

    public void AddRange(IEnumerable<T> modules)
    {
        foreach (T m in modules) Add(m);
    }

    public IEnumerator<T> GetEnumerator() => _items.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary><c>nn.ModuleList</c> holding modules of any type.</summary>
public sealed class ModuleList(params IEnumerable<Module> modules) : ModuleList<Module>(modules);
