using Align.Rewards;
using Align.Text;
using Torch;

namespace Align.Tests.Rewards;

/// <summary>What every judge stored as a CLIP directory must do: freeze, pass a gradient to the pixels, and survive saving.</summary>
internal static class MatchingJudgeChecks
{
    /// <param name="reload">reads the judge back from a directory <see cref="IMatchingJudge.SavePretrained"/> wrote</param>
    public static void FrozenItsGradientReachesThePixelsAndSavingKeepsItsScores(IMatchingJudge judge, Func<string, IMatchingJudge> reload, int size)
    {
        using var scope = torch.NewDisposeScope();
        RewardModels.Freeze(judge);
        Assert.All(judge.Modules.SelectMany(m => m.Parameters()), p => Assert.False(p.RequiresGrad));
        Tensor images = torch.Rand([2, 3, size, size], new Generator(5)).RequiresGrad_();
        judge.Score(images, ["a red circle", "a blue square"]).Sum().Backward();
        Tensor grad = images.Grad!;
        Assert.True(grad.Abs().Sum().ToDouble() > 0 && grad.IsFinite().All().ToBoolean(), "no finite gradient reached the pixels");

        string copy = Directory.CreateTempSubdirectory("judge-saved").FullName;
        judge.SavePretrained(copy);
        ClipTokenizer.CopyFiles(Reference.Model("tiny-clip-reward"), copy);
        using IMatchingJudge reloaded = reload(copy);
        using var noGrad = Autograd.NoGrad();
        Tensor probe = torch.Rand([1, 3, size, size], new Generator(6));
        Assert.Equal(judge.Score(probe, ["a red circle"]).ToArray<float>(), reloaded.Score(probe, ["a red circle"]).ToArray<float>());
    }
}
