using Torch;

namespace Align.Tests.Adapters;

/// <summary>A random low-rank pair a test writes into an adapter file: the layer (diffusers component and path), A and B in the layer's layout, alpha.</summary>
public sealed record TestPair(string Component, string Path, Tensor A, Tensor B, double Alpha)
{
    public string Key => Component + "." + Path;
    public long Rank => A.Size(0);
    public double Scale => Alpha / Rank;
}
