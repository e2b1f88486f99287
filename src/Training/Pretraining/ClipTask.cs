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
/// <paramref name="hardNegatives"/> each image also competes against a caption wrong in one attribute (as NegCLIP,
/// Yuksekgonul et al. 2023, adds hard negative captions to the image-to-text side of the loss).
/// </summary>
public sealed class ClipTask(ClipModel clip, ClipTokenizer tokenizer, IImageCaptionSource data, int batch, bool hardNegatives = false) : ITrainingTask
{
    private readonly ClipScoreReward _preprocess = new(clip, tokenizer);

    public string Name => "clip";
    public Module Model => clip;
    public IEnumerable<Tensor> TrainableParameters => clip.Parameters();

    public IReadOnlyDictionary<string, double> Step(int step, Random random, Generator generator)
    {
        (Tensor images, string[] captions, string[] negatives) = hardNegatives
            ? (data as IHardNegativeSource ?? throw new InvalidOperationException("hard negatives need a source that makes them")).SampleWithNegatives(batch, random)
            : WithoutNegatives(data.Sample(batch, random));
        string[] texts = [.. captions, .. negatives];
        TokenizedBatch tokens = tokenizer.EncodeBatch(texts, Padding.Longest);
        Tensor ids = Tensor.FromArray(tokens.InputIds.SelectMany(x => x).ToArray(), texts.Length, tokens.Length);
        Tensor mask = Tensor.FromArray(tokens.AttentionMask.SelectMany(x => x).ToArray(), texts.Length, tokens.Length);
        // [B, B + negatives]: the image-to-text side sees the hard negatives too; the text-to-image side only the B captions
        Tensor all = clip.LogitsPerImage(clip.ImageFeatures(_preprocess.Preprocess(images)), clip.TextFeatures(ids, mask));
        Tensor logits = negatives.Length == 0 ? all : all.Narrow(1, 0, batch);

        // Soft targets: every caption equal to image i's caption is a correct match for it.
        var same = new float[batch * batch];
        for (int i = 0; i < batch; i++)
            for (int j = 0; j < batch; j++)
                same[i * batch + j] = captions[i] == captions[j] ? 1 : 0;
        Tensor target = Tensor.FromArray(same, batch, batch);
        target = target / target.Sum(1, keepDim: true);
        Tensor imageTarget = negatives.Length == 0 ? target : torch.Cat([target, torch.Zeros([batch, negatives.Length])], 1);
        Tensor lossImage = -(imageTarget * F.LogSoftmax(all, 1)).Sum(1).Mean();
        Tensor lossText = -(target * F.LogSoftmax(logits.T, 1)).Sum(1).Mean();
        Tensor loss = (lossImage + lossText) * 0.5;
        loss.Backward();
        using (Autograd.NoGrad()) clip.logit_scale.Clamp_(0, Math.Log(100)); // CLIP clips the temperature at 100
        Tensor accuracy = logits.Argmax(1).Eq(torch.Arange(batch)).To(DType.Float32).Mean();
        return new Dictionary<string, double> { ["loss"] = loss.ToDouble(), ["accuracy"] = accuracy.ToDouble(), ["scale"] = clip.logit_scale.Exp().ToDouble() };
    }

    private static (Tensor, string[], string[]) WithoutNegatives((Tensor Images, string[] Captions) batch) => (batch.Images, batch.Captions, []);
}
