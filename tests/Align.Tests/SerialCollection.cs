namespace Align.Tests;

/// <summary>Tests that count the process's live tensors run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial";
}
