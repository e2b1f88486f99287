using Torch;

namespace Training.Pretraining;

/// <summary>Training data: a batch of images [B, 3, H, W] in [0, 1] with one caption each, drawn from <c>random</c> alone.</summary>
public interface IImageCaptionSource
{
    int ImageSize { get; }

    (Tensor Images, string[] Captions) Sample(int batch, Random random);
}

/// <summary>
/// A source that can also give, for each image, a caption that is wrong for it in exactly one attribute (colour, shape,
/// count, relation or attribution): hard negatives that teach a contrastive model the attributes, not just the topic.
/// </summary>
public interface IHardNegativeSource : IImageCaptionSource
{
    (Tensor Images, string[] Captions, string[] Negatives) SampleWithNegatives(int batch, Random random);

    /// <summary>
    /// Counterfactual twins: <paramref name="pairs"/> scenes with their captions, then for each a second scene rendered from a
    /// one-attribute contradiction of its caption (which the first scene fails, and the second fails the first caption):
    /// images and captions [2·pairs], entries i and pairs + i being twins.
    /// </summary>
    (Tensor Images, string[] Captions) SampleTwins(int pairs, Random random);
}
