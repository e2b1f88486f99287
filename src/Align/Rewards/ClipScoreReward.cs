using Align.Models.Clip;
using Align.Text;
using Torch;

namespace Align.Rewards;

/// <summary>
/// CLIP score of images against prompts with a transformers CLIPModel: <c>exp(logit_scale) · cos(image, text)</c>.
/// PickScore (yuvalkirstain/PickScore_v1, a fine-tuned CLIP-H in the same layout, scored the same way) loads with
/// <c>FromPretrained(directory, "pickscore")</c>. Differentiable in the images: preprocessing is done with tensor ops
/// inside the graph (<see cref="ClipImagePreprocessing"/>).
/// </summary>
public sealed class ClipScoreReward(ClipModel model, ClipTokenizer tokenizer, string name = "clip-score") : IRewardModel
{
    public ClipModel Model => model;
    public IReadOnlyList<Torch.NN.Module> Modules => [model];
    public string Name => name;
    public bool IsDifferentiable => true;

    /// <summary>Loads a CLIPModel directory that also holds its tokenizer files.</summary>
    public static ClipScoreReward FromPretrained(string directory, string name = "clip-score") =>
        new(ClipModel.FromPretrained(directory), ClipTokenizer.FromDirectory(directory), name);

    /// <param name="images">[B, 3, H, W] in [0, 1]</param>
    /// <param name="prompts">one per image</param>
    /// <returns>[B] scores</returns>
    public Tensor Score(Tensor images, IReadOnlyList<string> prompts)
    {
        using var scope = torch.NewDisposeScope();
        return ScorePixelValues(Preprocess(images), prompts).MoveToOuterScope();
    }

    /// <summary>Scores already preprocessed pixel values (what CLIPProcessor returns as <c>pixel_values</c>).</summary>
    /// <param name="pixelValues">[B, 3, S, S] normalised, S the vision tower's image size</param>
    /// <param name="prompts">one per image</param>
    /// <returns>[B] scores</returns>
    public Tensor ScorePixelValues(Tensor pixelValues, IReadOnlyList<string> prompts)
    {
        if (pixelValues.Size(0) != prompts.Count) throw new ArgumentException($"{pixelValues.Size(0)} images but {prompts.Count} prompts", nameof(prompts));
        using var scope = torch.NewDisposeScope();
        TokenizedBatch tokens = tokenizer.EncodeBatch(prompts, Padding.Longest, model.TextConfig.MaxPositionEmbeddings);
        Tensor ids = tokens.InputIdsTensor(pixelValues.Device);
        Tensor mask = tokens.AttentionMaskTensor(pixelValues.Device);
        Tensor image = F.Normalize(model.ImageFeatures(pixelValues), dim: -1);
        Tensor text = F.Normalize(model.TextFeatures(ids, mask), dim: -1);
        return ((image * text).Sum(-1) * model.logit_scale.Exp()).MoveToOuterScope();
    }

    /// <summary>Resize the short side to the vision size, centre crop, normalise (<see cref="ClipImagePreprocessing"/>).</summary>
    public Tensor Preprocess(Tensor images) => ClipImagePreprocessing.Preprocess(images, model.VisionConfig.ImageSize);

    public void Dispose() => model.Dispose();
}
