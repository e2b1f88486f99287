using Align.Pipelines;
using Align.Text;
using Torch;

namespace Align.Tests.Text;

/// <summary>The (text:w) / (text) / [text] prompt weighting syntax and its encoding (AUTOMATIC1111's method).</summary>
public class PromptWeightsTests
{
    private static (string, double)[] Segments(string prompt) =>
        PromptWeights.Parse(prompt).Segments.Select(s => (s.Text, Math.Round(s.Weight, 6))).ToArray();

    [Fact]
    public void ParsesWeightsEmphasisAndEscapes()
    {
        WeightedPrompt p = PromptWeights.Parse("a (red:1.3) circle and a (blue square:0.8)");
        Assert.Equal("a red circle and a blue square", p.Text);
        Assert.Equal([("a ", 1.0), ("red", 1.3), (" circle and a ", 1.0), ("blue square", 0.8)], Segments("a (red:1.3) circle and a (blue square:0.8)"));
        Assert.Equal([("a ", 1.0), ("red", 1.1), (" circle", 1.0)], Segments("a (red) circle"));
        Assert.Equal([("a ", 1.0), ("red", Math.Round(1 / 1.1, 6)), (" circle", 1.0)], Segments("a [red] circle"));
        Assert.Equal([("red", 1.21)], Segments("((red))"));
        // Nested groups multiply; an explicit weight replaces the group's own ×1.1.
        Assert.Equal([("a ", 2.0), ("red", 3.0), (" b", 2.0)], Segments("(a (red:1.5) b:2)"));
        Assert.Equal([("(not weighted) [either]", 1.0)], Segments(@"\(not weighted\) \[either\]"));
        Assert.Equal([("meet at 10:30", 1.0)], Segments("meet at 10:30"));
        Assert.Equal([("x", 1.5)], Segments("(x: 1.5 )"));
        Assert.True(PromptWeights.Parse("a red circle").IsPlain);
        Assert.True(PromptWeights.Parse("a (red:1) circle").IsPlain);
        Assert.False(PromptWeights.Parse("a (red) circle").IsPlain);
    }

    [Theory]
    [InlineData("a (red circle", "not closed")]
    [InlineData("a red) circle", "closes nothing")]
    [InlineData("a [red) circle", "closes nothing")]
    [InlineData("a (red:abc) circle", "not a number")]
    [InlineData("a (red:-1) circle", "negative")]
    [InlineData("a (red:1.3 circle", "not closed")]
    public void BadSyntaxIsNamed(string prompt, string problem)
    {
        var e = Assert.Throws<ArgumentException>(() => PromptWeights.Parse(prompt));
        Assert.Contains(problem, e.Message);
    }

    [Theory]
    [InlineData("tiny-sd15")]
    [InlineData("tiny-sdxl")]
    public void PlainPromptsEncodeAsBefore(string model)
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = StableDiffusionModel.Load(Reference.Model(model));
        using PromptEmbeddings before = sd.Prompts.Encode("a red circle", "blurry", guidance: true);
        foreach (string prompt in new[] { "a red circle", "a (red:1.0) circle" })
        {
            using PromptEmbeddings after = sd.Prompts.EncodeWeighted(prompt, "blurry", guidance: true);
            Assert.True(after.Conditional.Eq(before.Conditional).All().ToBoolean(), $"{model}: \"{prompt}\" encodes differently");
            Assert.True(after.Unconditional!.Eq(before.Unconditional!).All().ToBoolean(), $"{model}: the negative encodes differently");
            if (before.Pooled is not null) Assert.True(after.Pooled!.Eq(before.Pooled).All().ToBoolean());
        }
    }

    [Theory]
    [InlineData("tiny-sd15")]
    [InlineData("tiny-sdxl")]
    public void WeightedTokenIsScaledAndTheMeanKept(string model)
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = StableDiffusionModel.Load(Reference.Model(model));
        using PromptEmbeddings plain = sd.Prompts.Encode("a red circle", "a red circle", guidance: true);
        using PromptEmbeddings weighted = sd.Prompts.EncodeWeighted("a (red:1.5) circle", "a [red] circle", guidance: true);
        // <start> a red … <end>: token 2 ×w, then each text encoder's embedding rescaled to its plain mean (SDXL concatenates two).
        long[] widths = sd.Text.Select(t => (long)t.Encoder.Config.HiddenSize).ToArray();
        Tensor Expected(Tensor z, int token, double weight)
        {
            float[] w = Enumerable.Repeat(1f, (int)z.Size(1)).ToArray();
            w[token] = (float)weight;
            Tensor[] parts = z.Split(widths, -1).Select(part =>
            {
                Tensor scaled = part * Tensor.FromArray(w, 1, w.Length, 1);
                return scaled * (part.Mean() / scaled.Mean());
            }).ToArray();
            return torch.Cat(parts, -1);
        }
        Reference.AssertClose(Expected(plain.Conditional, 2, 1.5), weighted.Conditional, "weighted prompt", atol: 1e-5);
        Reference.AssertClose(Expected(plain.Unconditional!, 2, 1 / 1.1), weighted.Unconditional!, "weighted negative", atol: 1e-5);
        Assert.False(weighted.Conditional.Eq(plain.Conditional).All().ToBoolean());
    }
}
