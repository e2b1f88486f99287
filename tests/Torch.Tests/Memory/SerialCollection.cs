namespace Torch.Tests.Memory;

/// <summary>Tests that measure the process (RSS, timing) run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial";
}
