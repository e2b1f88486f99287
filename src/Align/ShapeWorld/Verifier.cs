using Torch;

namespace Align.ShapeWorld;

/// <summary>Image + spec (or caption) → verdict: <see cref="ShapeDetector"/> then <see cref="SpecChecker"/>.</summary>
public static class Verifier
{
    public static Verdict Verify(Spec spec, RgbImage image) => SpecChecker.Check(spec, ShapeDetector.Detect(image));

    /// <summary>A [3, H, W] image in [0, 1].</summary>
    public static Verdict Verify(Spec spec, Tensor image) => SpecChecker.Check(spec, ShapeDetector.Detect(image));

    /// <summary>Interleaved 8-bit RGB.</summary>
    public static Verdict Verify(Spec spec, ReadOnlySpan<byte> rgb, int width, int height) => SpecChecker.Check(spec, ShapeDetector.Detect(rgb, width, height));

    /// <summary>Parses the caption (category inferred unless given) and verifies.</summary>
    public static Verdict Verify(string caption, RgbImage image, Category? category = null) => Verify(CaptionParser.Parse(caption, category), image);
}
