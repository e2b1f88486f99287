using Align.Models;
using Align.Models.Clip;
using Torch;

namespace Align.Rewards;

/// <summary>
/// LAION's improved aesthetic predictor: the CLIP ViT-L/14 image embedding (vision tower and visual projection),
/// L2-normalised, into <see cref="AestheticMlp"/>. Scores are roughly 1–10 for the real model. Prompts are ignored; the
/// score is differentiable in the images.
/// <para>Directory layout:</para>
/// <list type="bullet">
/// <item><c>config.json</c>, <c>model.safetensors</c>: a transformers CLIPModel (openai/clip-vit-large-patch14 for the
/// real predictor; its text tower is loaded but unused)</item>
/// <item><c>aesthetic_mlp.safetensors</c>: the MLP's state dict (<c>layers.0.weight</c> … <c>layers.7.bias</c>), e.g.
/// sac+logos+ava1-l14-linearMSE.pth converted to safetensors</item>
/// </list>
/// </summary>
public sealed class AestheticReward : IRewardModel
{
    public const string MlpFileName = "aesthetic_mlp.safetensors";

    private readonly ClipModel _clip;
    private readonly AestheticMlp _mlp;

    public AestheticReward(ClipModel clip, AestheticMlp mlp, string name = "aesthetic")
    {
        if (mlp.InputSize != clip.visual_projection.OutFeatures)
            throw new ArgumentException($"the aesthetic MLP takes {mlp.InputSize}-d embeddings but the CLIP model projects to {clip.visual_projection.OutFeatures}", nameof(mlp));
        _clip = clip;
        _mlp = mlp;
        Name = name;
    }

    public string Name { get; }
    public bool IsDifferentiable => true;
    public ClipModel Clip => _clip;
    public AestheticMlp Mlp => _mlp;
    public IReadOnlyList<Torch.NN.Module> Modules => [_clip, _mlp];

    /// <summary>Loads the directory layout described on the class.</summary>
    public static AestheticReward FromPretrained(string directory, string name = "aesthetic")
    {
        AestheticMlp mlp = AestheticMlp.Load(Path.Combine(directory, MlpFileName));
        ClipModel clip;
        try
        {
            clip = ClipModel.FromPretrained(directory);
        }
        catch
        {
            mlp.Dispose();
            throw;
        }
        try
        {
            return new AestheticReward(clip, mlp, name);
        }
        catch (ArgumentException e)
        {
            clip.Dispose();
            mlp.Dispose();
            throw new ModelLoadException($"{directory}: {e.Message}");
        }
    }

    /// <param name="images">[B, 3, H, W] in [0, 1]</param>
    /// <param name="prompts">one per image; not used by this reward</param>
    /// <returns>[B] scores</returns>
    public Tensor Score(Tensor images, IReadOnlyList<string> prompts)
    {
        if (images.Size(0) != prompts.Count) throw new ArgumentException($"{images.Size(0)} images but {prompts.Count} prompts", nameof(prompts));
        using var scope = torch.NewDisposeScope();
        return ScorePixelValues(ClipImagePreprocessing.Preprocess(images, _clip.VisionConfig.ImageSize)).MoveToOuterScope();
    }

    /// <summary>Scores already preprocessed pixel values [B, 3, S, S].</summary>
    public Tensor ScorePixelValues(Tensor pixelValues)
    {
        using var scope = torch.NewDisposeScope();
        Tensor embedding = F.Normalize(_clip.ImageFeatures(pixelValues), dim: -1);
        return _mlp.Forward(embedding).Squeeze(-1).MoveToOuterScope();
    }

    public void Dispose()
    {
        _clip.Dispose();
        _mlp.Dispose();
    }
}
