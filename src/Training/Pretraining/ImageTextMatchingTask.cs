using Align.Rewards;
using Torch;
using Torch.NN;
using Training.Loop;

namespace Training.Pretraining;

/// <summary>
/// Trains an image-text matching judge (<see cref="ImageTextMatchingReward"/>, <see cref="FilmJudgeReward"/>) with BLIP's
/// image-text matching loss (Li et al. 2022, §3.1: binary cross-entropy on matched and unmatched pairs) on counterfactual
/// twins: each step draws <c>pairs</c> scenes and, for each, a twin rendered from a one-attribute contradiction of its
/// caption. Every image is a positive with its own caption and a negative with its twin's, so the only way to tell them
/// apart is the attribute that differs (a colour, a count, left or right). Pixel noise of a random strength stands in for
/// the generator's imperfect renderings. With <paramref name="generated"/>, each step also draws
/// <paramref name="generatedPairs"/> of the generator's own verifier-judged pairs (the passing image a positive, the failing
/// one a negative, for the same prompt); with <paramref name="captionedImages"/>, as many of its images with their
/// <see cref="Align.ShapeWorld.HindsightCaptions"/> (the image a positive with a caption it holds, a negative with one it
/// fails, one attribute apart). The loss is the mean of the parts.
/// </summary>
public sealed class ImageTextMatchingTask(IMatchingJudge judge, IHardNegativeSource data, int pairs, double maxNoise = 0.04,
    GeneratedPairSource? generated = null, int generatedPairs = 0, int captionedImages = 0) : ITrainingTask
{
    // A view for checkpoints (keys 0.* the towers, 1.* the head); the judge owns and disposes the modules.
    private readonly ModuleList _modules = new([.. judge.Modules]);

    private readonly int _generatedPairs = generated is null || generatedPairs >= 1 ? generatedPairs
        : throw new ArgumentOutOfRangeException(nameof(generatedPairs), generatedPairs, "generated pairs were given: at least one must join each step");

    private readonly int _captionedImages = captionedImages == 0 || generated is { CaptionedCount: > 0 } && captionedImages > 0 ? captionedImages
        : throw new ArgumentOutOfRangeException(nameof(captionedImages), captionedImages,
            generated is null ? "hindsight captions come from generated pairs: none were given" : "must be positive, and the generated images must have hindsight captions");

    public string Name => "itm";
    public Module Model => _modules;
    public IEnumerable<Tensor> TrainableParameters => judge.Modules.SelectMany(m => m.Parameters());

    public IReadOnlyDictionary<string, double> Step(int step, Random random, Generator generator)
    {
        (Tensor images, string[] captions) = data.SampleTwins(pairs, random);
        int n = captions.Length;
        Tensor strength = torch.Rand([n, 1, 1, 1], generator: generator) * maxNoise;
        Tensor noisy = (images + torch.Randn(images.Shape, generator: generator) * strength).Clamp(0, 1);
        // image i's twin is i ± pairs: its caption is the hard negative
        string[] twinCaptions = Enumerable.Range(0, n).Select(i => captions[(i + pairs) % n]).ToArray();
        (Tensor positive, Tensor negative) = judge.Logits(noisy, captions, twinCaptions);
        var parts = new List<Tensor> { MatchingLoss(positive, negative) };
        var metrics = new Dictionary<string, double> { ["loss"] = 0, ["accuracy"] = Accuracy(positive, negative), ["ranked"] = Ranked(positive, negative) };
        if (generated is not null)
        {
            (Tensor chosen, Tensor rejected, string[] prompts) = generated.Sample(_generatedPairs, random);
            // both sides in one judge call: one batch through the towers and the head instead of two
            Tensor[] sides = judge.Logits(torch.Cat([chosen, rejected]), [.. prompts, .. prompts]).Chunk(2);
            Tensor passed = sides[0], failed = sides[1];
            Tensor part = MatchingLoss(passed, failed);
            metrics["generated_loss"] = part.ToDouble();
            metrics["generated_ranked"] = Ranked(passed, failed);
            parts.Add(part);
        }
        if (_captionedImages > 0)
        {
            (Tensor captioned, string[] holding, string[] failing) = generated!.SampleCaptioned(_captionedImages, random);
            (Tensor holds, Tensor fails) = judge.Logits(captioned, holding, failing);
            Tensor part = MatchingLoss(holds, fails);
            metrics["hindsight_loss"] = part.ToDouble();
            metrics["hindsight_ranked"] = Ranked(holds, fails);
            parts.Add(part);
        }
        Tensor loss = torch.Stack([.. parts]).Mean();
        loss.Backward();
        metrics["loss"] = loss.ToDouble();
        return metrics;
    }

    // Binary cross-entropy with the matched logits labelled 1 and the mismatched 0, each half weighted equally.
    private static Tensor MatchingLoss(Tensor matched, Tensor mismatched) => -(F.LogSigmoid(matched).Mean() + F.LogSigmoid(-mismatched).Mean()) * 0.5;

    private static double Accuracy(Tensor matched, Tensor mismatched) =>
        (matched.Gt(0).To(DType.Float32).Mean().ToDouble() + mismatched.Lt(0).To(DType.Float32).Mean().ToDouble()) / 2;

    private static double Ranked(Tensor matched, Tensor mismatched) => matched.Gt(mismatched).To(DType.Float32).Mean().ToDouble();
}
