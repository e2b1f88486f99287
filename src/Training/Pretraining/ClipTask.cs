using Align.Models.Clip;
using Align.Rewards;
using Align.Text;
using Torch;
using Torch.NN;
using Training.Loop;

namespace Training.Pretraining;

/// <summary>
/// Contrastive image-text pre-training of a CLIPModel (Radford et al. 2021, Fig. 3): symmetric cross-entropy over the
/// batch's image-caption similarity matrix. Identical captions in a batch count as matches of each other. With
/// <see cref="ClipNegatives.Captions"/> each image also competes against a caption wrong in one attribute (as NegCLIP,
/// Yuksekgonul et al. 2023, adds hard negative captions to the image-to-text side of the loss). With
/// <see cref="ClipNegatives.Twins"/> half the batch are counterfactual twins of the other half (a scene rendered from a
/// contradicted caption), so both sides of the loss hold hard negatives: captions that differ from the right one in one
/// attribute, and images that differ from the right one in that attribute.
/// </summary>
public sealed class ClipTask(ClipModel clip, ClipTokenizer tokenizer, IImageCaptionSource data, int batch, ClipNegatives negativeKind = ClipNegatives.None) : ITrainingTask
{
    private readonly ClipScoreReward _preprocess = new(clip, tokenizer);

    public string Name => "clip";
    public Module Model => clip;
    public IEnumerable<Tensor> TrainableParameters => clip.Parameters();

    public IReadOnlyDictionary<string, double> Step(int step, Random random, Generator generator)
    {
        IHardNegativeSource Hard() => data as IHardNegativeSource ?? throw new InvalidOperationException("hard negatives need a source that makes them");
        (Tensor images, string[] captions, string[] negatives) = negativeKind switch
        {
            ClipNegatives.Captions => Hard().SampleWithNegatives(batch, random),
            ClipNegatives.Twins => WithoutNegatives(Hard().SampleTwins(batch / 2, random)),
            _ => WithoutNegatives(data.Sample(batch, random)),
        };
        int n = captions.Length;
        string[] texts = [.. captions, .. negatives];
        TokenizedBatch tokens = tokenizer.EncodeBatch(texts, Padding.Longest);
        Tensor ids = tokens.InputIdsTensor();
        Tensor mask = tokens.AttentionMaskTensor();
        // [B, B + negatives]: the image-to-text side sees the hard negatives too; the text-to-image side only the B captions
        Tensor all = clip.LogitsPerImage(clip.ImageFeatures(_preprocess.Preprocess(images)), clip.TextFeatures(ids, mask));
        Tensor logits = negatives.Length == 0 ? all : all.Narrow(1, 0, n);

        // Soft targets: every caption equal to image i's caption is a correct match for it.
        var same = new float[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                same[i * n + j] = captions[i] == captions[j] ? 1 : 0;
        Tensor target = Tensor.FromArray(same, n, n);
        target = target / target.Sum(1, keepDim: true);
        Tensor imageTarget = negatives.Length == 0 ? target : torch.Cat([target, torch.Zeros([n, negatives.Length])], 1);
        Tensor lossImage = -(imageTarget * F.LogSoftmax(all, 1)).Sum(1).Mean();
        Tensor lossText = -(target * F.LogSoftmax(logits.T, 1)).Sum(1).Mean();
        Tensor loss = (lossImage + lossText) * 0.5;
        loss.Backward();
        using (Autograd.NoGrad()) clip.logit_scale.Clamp_(0, Math.Log(100)); // CLIP clips the temperature at 100
        Tensor accuracy = logits.Argmax(1).Eq(torch.Arange(n)).To(DType.Float32).Mean();
        return new Dictionary<string, double> { ["loss"] = loss.ToDouble(), ["accuracy"] = accuracy.ToDouble(), ["scale"] = clip.logit_scale.Exp().ToDouble() };
    }

    private static (Tensor, string[], string[]) WithoutNegatives((Tensor Images, string[] Captions) batch) => (batch.Images, batch.Captions, []);
}

/// <summary>Hard negatives of <see cref="ClipTask"/>: none, a contradicted caption per image, or counterfactual twin scenes.</summary>
public enum ClipNegatives { None, Captions, Twins }
