using Align.Rewards;
using Torch;

namespace Align.Tests.Rewards;

/// <summary>The CLIP score reward preprocesses like CLIPProcessor and scores like transformers, differentiably.</summary>
public class ClipScoreRewardTests
{
    private static Tensor Image(SafetensorsFile refs, string name)
    {
        Tensor hwc = refs.Load(name);
        return (hwc.Permute(2, 0, 1).To(DType.Float32) / 255.0).Unsqueeze(0);
    }

    [Fact]
    public void PreprocessingMatchesClipProcessor()
    {
        using var scope = torch.NewDisposeScope();
        using ClipScoreReward reward = ClipScoreReward.FromPretrained(Reference.Model("tiny-clip-reward"));
        using SafetensorsFile refs = Reference.Open("tiny-clip-reward.safetensors");
        // Already at the vision size: no resize, so only rescale and normalise, which must agree exactly.
        Reference.AssertClose(refs.Load("img32x32.pixel_values"), reward.Preprocess(Image(refs, "img32x32.uint8_hwc")), "32x32 pixel values", rtol: 1e-5);
        // 40x48 → 32 short side: PIL resamples in two uint8 passes (rounding and clamping each), we in one float pass so
        // the graph stays differentiable: within 3 grey levels (measured: 2.7, at the sharpest edges).
        Reference.AssertClose(refs.Load("img40x48.pixel_values"), reward.Preprocess(Image(refs, "img40x48.uint8_hwc")), "40x48 pixel values",
            rtol: 0, atol: 3.0 / 255 / 0.26);
    }

    [Fact]
    public void ScoresAndGradientsFlow()
    {
        using var scope = torch.NewDisposeScope();
        using ClipScoreReward reward = ClipScoreReward.FromPretrained(Reference.Model("tiny-clip-reward"));
        using SafetensorsFile refs = Reference.Open("tiny-clip-reward.safetensors");
        string[] texts = Reference.MetadataJson(refs, "texts").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Tensor image = Image(refs, "img40x48.uint8_hwc").RequiresGrad_();
        Tensor scores = reward.Score(image.Expand(texts.Length, -1, -1, -1), texts);
        Reference.AssertClose(refs.Load("score.f32"), scores, "scores", rtol: 0, atol: 0.05);
        scores[0].Backward();
        Assert.True(image.Grad!.Abs().Sum().ToDouble() > 0, "no gradient reached the pixels");
        var e = Assert.Throws<ArgumentException>(() => reward.Score(image, texts));
        Assert.Contains("prompts", e.Message);
    }

    [Fact]
    public void PickScoreNamedRewardMatchesReferenceScoresAndPixelGradients()
    {
        using var scope = torch.NewDisposeScope();
        using ClipScoreReward reward = ClipScoreReward.FromPretrained(Reference.Model("tiny-clip-reward"), "pickscore");
        Assert.Equal("pickscore", reward.Name);
        using SafetensorsFile refs = Reference.Open("tiny-clip-reward.safetensors");
        string[] texts = Reference.MetadataJson(refs, "texts").EnumerateArray().Select(e => e.GetString()!).ToArray();
        // From CLIPProcessor's own pixel values, so the scores and gradients are exactly transformers' computation.
        Tensor pixels = refs.Load("img40x48.pixel_values").RequiresGrad_();
        Tensor scores = reward.ScorePixelValues(pixels.Expand(texts.Length, -1, -1, -1), texts);
        Reference.AssertClose(refs.Load("score.f32"), scores, "scores");
        scores[0].Backward();
        // The gradient's entries are ~1e-2 (max 0.05), so the README's 1e-4·max(1, |ref|) would hide a 1% error: 1e-6 absolute.
        Reference.AssertClose(refs.Load("grad_score0_wrt_pixel_values.f64"), pixels.Grad!, "d score[0] / d pixel values", rtol: 0, atol: 1e-6);
    }
}
