namespace Torch.NN;

/// <summary>A state-dict key whose tensor has a different shape from the module's.</summary>
public sealed record ShapeMismatch(string Key, long[] Expected, long[] Got)
{
    public override string ToString() => $"{Key} expected [{string.Join(", ", Expected)}] got [{string.Join(", ", Got)}]";
}

/// <summary>What <see cref="Module.LoadStateDict"/> could not load, by key.</summary>
public sealed record LoadStateDictResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys,
    IReadOnlyList<ShapeMismatch> ShapeMismatches)
{
    public bool IsEmpty => MissingKeys.Count == 0 && UnexpectedKeys.Count == 0 && ShapeMismatches.Count == 0;

    /// <summary>"missing: a.weight, b.bias; unexpected: c.weight; shape mismatch: d.weight expected [4, 3] got [3, 4]" (empty parts left out).</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (MissingKeys.Count > 0) parts.Add("missing: " + string.Join(", ", MissingKeys));
        if (UnexpectedKeys.Count > 0) parts.Add("unexpected: " + string.Join(", ", UnexpectedKeys));
        if (ShapeMismatches.Count > 0) parts.Add("shape mismatch: " + string.Join(", ", ShapeMismatches));
        return parts.Count == 0 ? "all keys matched" : string.Join("; ", parts);
    }
}

/// <summary>Thrown by a strict <see cref="Module.LoadStateDict"/>; the message lists every offending key.</summary>
public sealed class StateDictMismatchException(string moduleName, LoadStateDictResult result)
    : Exception($"error loading state dict into {moduleName}: {result}")
{
    public LoadStateDictResult Result { get; } = result;
}
