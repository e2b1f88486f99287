using Align.Models.Clip;
using Align.Text;
using Torch;

namespace Align.Tests.Models;

/// <summary>transformers' CLIPModel (the reward-model layout): features, logits, score and its gradient w.r.t. the pixels.</summary>
public class ClipModelTests
{
    [Fact]
    public void MatchesTransformers()
    {
        using var scope = torch.NewDisposeScope();
        string dir = Reference.Model("tiny-clip-reward");
        using ClipModel clip = ClipModel.FromPretrained(dir);
        using SafetensorsFile refs = Reference.Open("tiny-clip-reward.safetensors");

        var tokenizer = ClipTokenizer.FromDirectory(dir);
        string[] texts = Reference.MetadataJson(refs, "texts").EnumerateArray().Select(e => e.GetString()!).ToArray();
        TokenizedBatch batch = tokenizer.EncodeBatch(texts);
        Assert.Equal(refs.Load("text.input_ids").ToArray<long>(), batch.InputIds.SelectMany(x => x).ToArray());

        Tensor pixels = refs.Load("img40x48.pixel_values");
        Tensor textFeatures, imageFeatures;
        using (Autograd.NoGrad())
        {
            (Tensor last, _, _) = clip.text_model.Forward(refs.Load("text.input_ids"), refs.Load("text.attention_mask"));
            Reference.AssertClose(refs.Load("text.last_hidden_state"), last, "text last_hidden_state");
            textFeatures = clip.TextFeatures(refs.Load("text.input_ids"), refs.Load("text.attention_mask"));
            Reference.AssertClose(refs.Load("text_features"), textFeatures, "text_features");
            Reference.AssertClose(refs.Load("text_features.pad_longest"), clip.TextFeatures(refs.Load("text.pad_longest.input_ids"), refs.Load("text.pad_longest.attention_mask")), "text_features (pad longest)");
            (Tensor vLast, Tensor vPooled) = clip.vision_model.Forward(pixels);
            Reference.AssertClose(refs.Load("vision.last_hidden_state"), vLast, "vision last_hidden_state");
            Reference.AssertClose(refs.Load("vision.pooler_output"), vPooled, "vision pooler_output");
            imageFeatures = clip.ImageFeatures(pixels);
            Reference.AssertClose(refs.Load("image_features"), imageFeatures, "image_features");
            Reference.AssertClose(refs.Load("logits_per_image"), clip.LogitsPerImage(imageFeatures, textFeatures), "logits_per_image");
            Reference.AssertClose(refs.Load("logit_scale"), clip.logit_scale.Reshape(1), "logit_scale");
        }

        // score = exp(logit_scale)·cos(text, image), one per text; its gradient w.r.t. the normalised pixels.
        Tensor input = pixels.Clone().RequiresGrad_();
        Tensor score = clip.LogitsPerImage(clip.ImageFeatures(input), textFeatures)[0];
        Reference.AssertClose(refs.Load("score.f32"), score, "score");
        score[0].Backward();
        Reference.AssertClose(refs.Load("grad_score0_wrt_pixel_values.f32"), input.Grad!, "d score[0] / d pixel_values");
        Reference.AssertClose(refs.Load("grad_score0_wrt_pixel_values.f64"), input.Grad!, "gradient vs float64");
    }
}
