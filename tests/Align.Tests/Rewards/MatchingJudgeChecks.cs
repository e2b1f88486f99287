using Align.Models.Clip;
using Align.Rewards;
using Align.Text;
using Torch;

namespace Align.Tests.Rewards;

/// <summary>What every judge stored as a CLIP directory must do: freeze, pass a gradient to the pixels, and survive saving.</summary>
internal static class MatchingJudgeChecks
{
    /// <summary>The tiny CLIP's directory (towers and tokenizer) plus a head of random weights (seed 11) saved in <paramref name="headDirectory"/>.</summary>
    public static TempDirectory WriteDirectory(string headDirectory, Func<ClipModel, Torch.NN.Module> newHead, Action<Torch.NN.Module, string> save)
    {
        var temp = new TempDirectory(headDirectory);
        string dir = temp.Path;
        string source = Reference.Model("tiny-clip-reward");
        foreach (string file in Directory.GetFiles(source)) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        using var clip = ClipModel.FromPretrained(source);
        torch.ManualSeed(11);
        using Torch.NN.Module head = newHead(clip);
        save(head, Path.Combine(dir, headDirectory));
        return temp;
    }

    /// <summary>Edits the head's <c>config.json</c> (<paramref name="from"/> must be in it) and checks the load is refused naming the file and <paramref name="expected"/>.</summary>
    public static void RefusesAnEditedHeadConfig(string directory, string headDirectory, string from, string to, string expected)
    {
        string config = Path.Combine(directory, headDirectory, "config.json");
        string text = File.ReadAllText(config);
        Assert.Contains(from, text);
        File.WriteAllText(config, text.Replace(from, to));
        var e = Assert.Throws<Align.Models.ModelLoadException>(() => RewardModels.Load(directory, "x", Device.CPU));
        Assert.Contains(config, e.Message);
        Assert.Contains(expected, e.Message);
    }

    /// <summary>The judge scores a batch of any image size with log σ(logit), each score a negative log-probability.</summary>
    public static void ScoresTheLogProbabilityOfAMatch(IMatchingJudge judge)
    {
        using var scope = torch.NewDisposeScope();
        Assert.True(judge.IsDifferentiable);
        Tensor images = torch.Rand([3, 3, 40, 48], new Generator(2)); // not square: each judge resizes inside the graph
        string[] prompts = ["a photo of a cat", "a red circle", "two blue squares left of a green triangle"];
        Tensor score = judge.Score(images, prompts);
        Assert.Equal([3L], score.Shape);
        Reference.AssertClose(F.LogSigmoid(judge.Logits(images, prompts)), score, "score = log σ(logit)");
        Assert.All(score.ToArray<float>(), s => Assert.True(s < 0, $"a log-probability must be negative, got {s}"));
        // both of a twin's captions from one call: the first are the plain logits, and the text changes the judgement
        (Tensor first, Tensor second) = judge.Logits(images, prompts, ["a dog", "a blue circle", "a cat"]);
        Reference.AssertClose(judge.Logits(images, prompts), first, "the first captions' logits");
        Assert.NotEqual(first.ToArray<float>(), second.ToArray<float>());
    }

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

        using var temp = new TempDirectory("judge-saved");
        string copy = temp.Path;
        judge.SavePretrained(copy);
        ClipTokenizer.CopyFiles(Reference.Model("tiny-clip-reward"), copy);
        using IMatchingJudge reloaded = reload(copy);
        using var noGrad = Autograd.NoGrad();
        Tensor probe = torch.Rand([1, 3, size, size], new Generator(6));
        Assert.Equal(judge.Score(probe, ["a red circle"]).ToArray<float>(), reloaded.Score(probe, ["a red circle"]).ToArray<float>());
    }
}
