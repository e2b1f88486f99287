using System.Globalization;
using Align.Rewards;
using Torch;

namespace Training.Pretraining;

/// <summary>How well a <see cref="CountHead"/> counts labelled images: the share of images whose every class count, rounded, is right, and the mean absolute error of a class's count.</summary>
public sealed record CountingReport(int Images, double Exact, double MeanAbsoluteError)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{100 * Exact:F1}% of {Images} images counted exactly, class counts off by {MeanAbsoluteError:F3} on average");
}

public static class CountingMetrics
{
    /// <summary>The share of rows of <paramref name="counted"/> [N, classes] that round to <paramref name="truth"/>'s in every class.</summary>
    public static double Exact(Tensor counted, Tensor truth)
    {
        using var scope = torch.NewDisposeScope();
        return (counted.Detach().Round() - truth).Abs().Sum(1).Eq(0).To(DType.Float32).Mean().ToDouble();
    }

    /// <summary>Counts <paramref name="images"/> in batches of <paramref name="batch"/>, without gradients; null for no images.</summary>
    public static CountingReport? Measure(CountHead head, IReadOnlyList<CountedImage> images, CountingData data, int batch = 64)
    {
        if (images.Count == 0) return null;
        using var noGrad = Autograd.NoGrad();
        double exact = 0, error = 0;
        foreach (CountedImage[] chunk in images.Chunk(batch))
        {
            using var scope = torch.NewDisposeScope();
            Tensor counted = head.Counts(data.Images(chunk));
            Tensor truth = CountingData.Targets(chunk, 1).Counts;
            exact += Exact(counted, truth) * chunk.Length;
            error += (counted - truth).Abs().Mean(1).Sum().ToDouble();
        }
        return new CountingReport(images.Count, exact / images.Count, error / images.Count);
    }
}
