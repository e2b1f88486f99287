using System.Text.Json;
using Align.Models;
using Torch;

namespace Align.Rewards;

/// <summary>Loads a reward model from a directory, recognising its layout from the files in it.</summary>
public static class RewardModels
{
    /// <summary>
    /// For scoring and for gradients w.r.t. the pixels only (serving, ReNO, DRaFT): evaluation mode (no dropout) and no
    /// gradients for the reward's own weights. Returns the reward.
    /// </summary>
    public static IRewardModel Freeze(IRewardModel reward)
    {
        foreach (Torch.NN.Module m in reward.Modules) m.Eval().RequiresGrad_(false);
        return reward;
    }

    /// <summary>
    /// Recognises, in this order: <c>itm_head/config.json</c> → <see cref="ImageTextMatchingReward"/>;
    /// <c>film_head/config.json</c> → <see cref="FilmJudgeReward"/>; <c>count_head/config.json</c> → <see cref="CountReward"/>;
    /// <c>open_clip_config.json</c> → <see cref="HpsV2Reward"/>;
    /// <c>aesthetic_mlp.safetensors</c> → <see cref="AestheticReward"/>; a transformers CLIPModel <c>config.json</c>
    /// (with <c>text_config</c> and <c>vision_config</c>) → <see cref="ClipScoreReward"/> (CLIP score or PickScore).
    /// The model is put in eval mode on <paramref name="device"/>.
    /// </summary>
    /// <param name="directory">the model directory, or the name of a built-in reward (<see cref="BuiltInNames"/>) where no
    /// such directory exists</param>
    /// <param name="name">the reward's name in requests and responses (e.g. "hpsv2", "pickscore")</param>
    /// <exception cref="ModelLoadException">no known layout, or files of one that do not load</exception>
    public static IRewardModel Load(string directory, string name, Device device)
    {
        if (!Directory.Exists(directory) && BuiltIn(directory, name) is { } builtIn) return builtIn;
        if (!Directory.Exists(directory)) throw new ModelLoadException($"{directory}: directory not found (nor a built-in reward: {string.Join(", ", BuiltInNames)})");
        IRewardModel reward = Recognise(directory) switch
        {
            Layout.ImageTextMatching => ImageTextMatchingReward.FromPretrained(directory, name),
            Layout.Film => FilmJudgeReward.FromPretrained(directory, name),
            Layout.Count => CountReward.FromPretrained(directory, name),
            Layout.OpenClip => HpsV2Reward.FromPretrained(directory, name),
            Layout.Aesthetic => AestheticReward.FromPretrained(directory, name),
            Layout.TransformersClip => ClipScoreReward.FromPretrained(directory, name),
            _ => throw new ModelLoadException(
                $"{directory}: not a reward model directory: expected {ImageTextMatchingReward.HeadDirectory}/config.json with a CLIPModel " +
                $"config.json (image-text matching), {FilmJudgeReward.HeadDirectory}/config.json with one (FiLM judge), {CountReward.HeadDirectory}/config.json " +
                $"(ShapeWorld counter), {OpenClipConfig.FileName} (HPSv2), {AestheticReward.MlpFileName} " +
                "with a CLIPModel config.json (aesthetic predictor), or a transformers CLIPModel config.json with text_config and " +
                "vision_config (CLIP score, PickScore)"),
        };
        if (device == Device.CPU) return reward;
        try
        {
            foreach (Torch.NN.Module m in reward.Modules) m.To(device);
            return reward;
        }
        catch
        {
            reward.Dispose();
            throw;
        }
    }

    /// <summary>The rewards that need no files, by the name that stands for a directory: the ShapeWorld verifier and its
    /// differentiable relaxation.</summary>
    public static readonly IReadOnlyList<string> BuiltInNames = [ShapeWorldVerifierReward.DefaultName, ShapeWorldSoftVerifierReward.DefaultName];

    /// <summary>The built-in reward <paramref name="id"/> (one of <see cref="BuiltInNames"/>) named <paramref name="name"/>, or null.</summary>
    public static IRewardModel? BuiltIn(string id, string name) => id switch
    {
        ShapeWorldVerifierReward.DefaultName => new ShapeWorldVerifierReward(name),
        ShapeWorldSoftVerifierReward.DefaultName => new ShapeWorldSoftVerifierReward(name),
        _ => null,
    };

    private enum Layout { Unknown, ImageTextMatching, Film, Count, OpenClip, Aesthetic, TransformersClip }

    private static Layout Recognise(string directory)
    {
        if (File.Exists(Path.Combine(directory, ImageTextMatchingReward.HeadDirectory, "config.json"))) return Layout.ImageTextMatching;
        if (File.Exists(Path.Combine(directory, FilmJudgeReward.HeadDirectory, "config.json"))) return Layout.Film;
        if (File.Exists(Path.Combine(directory, CountReward.HeadDirectory, "config.json"))) return Layout.Count;
        if (File.Exists(Path.Combine(directory, OpenClipConfig.FileName))) return Layout.OpenClip;
        if (File.Exists(Path.Combine(directory, AestheticReward.MlpFileName))) return Layout.Aesthetic;
        string config = Path.Combine(directory, "config.json");
        if (!File.Exists(config)) return Layout.Unknown;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(config));
            JsonElement root = doc.RootElement;
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("text_config", out _) && root.TryGetProperty("vision_config", out _)
                ? Layout.TransformersClip
                : Layout.Unknown;
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"{config}: {e.Message}");
        }
    }
}
