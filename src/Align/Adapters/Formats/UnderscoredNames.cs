namespace Align.Adapters.Formats;

/// <summary>
/// kohya writes layer paths with every '.' turned into '_' (<c>down_blocks_0_attentions_0_proj_in</c>), which cannot be
/// split back by rule since names contain '_' themselves; this maps them back through the model's actual layer paths.
/// </summary>
internal sealed class UnderscoredNames
{
    private readonly Dictionary<string, string?> _paths = new(StringComparer.Ordinal);

    public UnderscoredNames(IEnumerable<string> paths)
    {
        foreach (string path in paths)
        {
            string flat = path.Replace('.', '_');
            // Two paths that flatten alike are ambiguous: remember that rather than guess.
            _paths[flat] = _paths.ContainsKey(flat) ? null : path;
        }
    }

    /// <summary>The dotted path, or null when no layer (or more than one) flattens to <paramref name="underscored"/>.</summary>
    public string? Resolve(string underscored, out bool ambiguous)
    {
        ambiguous = false;
        if (!_paths.TryGetValue(underscored, out string? path)) return null;
        ambiguous = path is null;
        return path;
    }
}
