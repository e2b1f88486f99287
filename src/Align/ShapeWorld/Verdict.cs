namespace Align.ShapeWorld;

/// <summary>Whether an image satisfies a spec, why, and what the detector saw.</summary>
public sealed record Verdict(Category Category, bool Passed, string Reason, IReadOnlyList<Detection> Detections)
{
    public override string ToString() => $"{Spec.CategoryName(Category)}: {(Passed ? "pass" : "fail")} ({Reason})";
}
