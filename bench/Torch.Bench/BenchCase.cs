namespace Torch.Bench;

/// <summary>
/// One benchmarked operation. <see cref="Run"/> performs it k times; the harness times that inside a
/// DisposeScope, so freeing the results is part of the cost (PyTorch frees them on refcount).
/// </summary>
/// <param name="Name">Key shared with bench/torch_bench.py.</param>
/// <param name="Flops">Floating-point operations of one call (0 for the tiny cases).</param>
internal sealed record BenchCase(string Name, string Label, bool Tiny, double Flops, Action<int> Run)
{
    /// <summary>Largest allowed ratio of our time to PyTorch's, or null where the issue sets no target.</summary>
    public double? Target => Tiny ? 1.5 : Flops >= 1e6 ? 1.02 : null;
}
