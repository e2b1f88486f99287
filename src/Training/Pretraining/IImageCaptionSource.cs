using Torch;

namespace Training.Pretraining;

/// <summary>Training data: a batch of images [B, 3, H, W] in [0, 1] with one caption each, drawn from <c>random</c> alone.</summary>
public interface IImageCaptionSource
{
    int ImageSize { get; }

    (Tensor Images, string[] Captions) Sample(int batch, Random random);
}
