using Align.Alignment;
using Align.Pipelines;
using Torch;

namespace Align.Tests.Alignment;

/// <summary>The embedded ShapeWorld model, loaded once for these tests.</summary>
public sealed class ShapeWorldModelFixture : IDisposable
{
    public ShapeWorldModelFixture()
    {
        Model = StableDiffusionModel.Load(Path.Combine(Reference.RepositoryRoot, "models", "shapeworld", "model"));
        Pipeline = new TextToImagePipeline(Model);
    }

    public StableDiffusionModel Model { get; }
    public TextToImagePipeline Pipeline { get; }
    public void Dispose() => Model.Dispose();
}

public class AttendAndExciteTests(ShapeWorldModelFixture fixture) : IClassFixture<ShapeWorldModelFixture>
{
    private const string Prompt = "a red circle and a blue square";

    [Fact]
    public void CaptureHookGivesProbabilitiesAndLeavesTheOutputAlone()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = Autograd.NoGrad();
        var unet = fixture.Model.UNet;
        using PromptEmbeddings prompt = fixture.Model.Prompts.Encode(Prompt, null, false);
        using var g = new Generator(7);
        Tensor latents = torch.Randn([1, 4, 16, 16], g);
        Tensor t = torch.Scalar(500.0);
        Tensor plain = unet.Forward(latents, t, prompt.Conditional);

        var captured = new List<(string Layer, Tensor Probabilities)>();
        unet.SetCrossAttentionHook((layer, p) => captured.Add((layer, p.Clone().DetachFromDisposeScope())));
        Tensor hooked;
        try { hooked = unet.Forward(latents, t, prompt.Conditional); }
        finally { unet.SetCrossAttentionHook(null); }
        Tensor again = unet.Forward(latents, t, prompt.Conditional);

        // Cross-attention only (attn2), at the 8×8 and 4×4 grids of this UNet: [B·heads, H·W, T], rows summing to 1.
        Assert.NotEmpty(captured);
        Assert.All(captured, c => Assert.EndsWith(".attn2", c.Layer));
        Assert.Contains(captured, c => c.Probabilities.Size(1) == 64);
        Assert.Contains(captured, c => c.Probabilities.Size(1) == 16);
        foreach ((string layer, Tensor p) in captured)
        {
            Assert.Equal(prompt.Conditional.Size(1), p.Size(2));
            double error = (p.Sum(-1) - 1.0).Abs().Max().ToDouble();
            Assert.True(error < 1e-5, $"{layer}: rows sum to 1 ± {error}");
            p.Dispose();
        }
        // The explicit path matches the fused kernel to rounding, and clearing the hook restores the fused path exactly.
        double difference = (hooked - plain).Abs().Max().ToDouble();
        Assert.True(difference < 1e-4, $"hooked output differs by {difference}");
        Assert.True(again.Eq(plain).All().ToBoolean(), "the output after clearing the hook differs from the unhooked one");
    }

    [Fact]
    public void GaussianKernelMatchesTheReference()
    {
        float[,] k = GaussianSmoothing.Kernel(3, 0.5);
        // The reference's 1-D factor exp(-((x - 1) / (2·0.5))²) at x = 0, 1, 2: e⁻¹, 1, e⁻¹, normalised.
        double edge = Math.Exp(-1), sum = 1 + 2 * edge;
        double[] axis = [edge / sum, 1 / sum, edge / sum];
        double total = 0;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
            {
                Assert.Equal(axis[i] * axis[j], k[i, j], 1e-6);
                Assert.Equal(k[i, j], k[j, i]);
                Assert.Equal(k[i, j], k[2 - i, 2 - j]);
                total += k[i, j];
            }
        Assert.Equal(1.0, total, 1e-6);
        Assert.Throws<ArgumentException>(() => GaussianSmoothing.Kernel(4, 0.5));

        // A constant map stays constant (reflect padding, kernel sums to 1); a single peak spreads to its neighbours.
        using var scope = torch.NewDisposeScope();
        Assert.True((GaussianSmoothing.Smooth(torch.Ones([5, 5]) * 0.3) - 0.3).Abs().Max().ToDouble() < 1e-6);
        Tensor peak = torch.Zeros([5, 5]);
        peak[2, 2] = torch.Scalar(1.0);
        float[] smoothed = GaussianSmoothing.Smooth(peak).ToArray<float>();
        Assert.Equal(k[1, 1], smoothed[12], 1e-6);
        Assert.Equal(k[0, 1], smoothed[7], 1e-6);
    }

    [Fact]
    public void SubjectTokensAreTheShapeNounsAndOptionallyColours()
    {
        var tokenizer = fixture.Model.Text[0].Tokenizer;
        // <start> a red circle and a blue square <end>
        Assert.Equal([3, 7], AttendAndExcite.SubjectTokens(tokenizer, Prompt));
        Assert.Equal([2, 3, 6, 7], AttendAndExcite.SubjectTokens(tokenizer, Prompt, includeColours: true));
        Assert.Equal([2], AttendAndExcite.SubjectTokens(tokenizer, "two triangles"));
        Assert.Throws<ArgumentException>(() => AttendAndExcite.SubjectTokens(tokenizer, "nothing here"));
    }

    [Fact]
    public void DefaultsFollowTheReferenceScaledToTheRun()
    {
        Assert.Equal(new Dictionary<int, double> { [0] = 0.05, [10] = 0.5, [20] = 0.8 }, AttendAndExcite.DefaultThresholds(50));
        Assert.Equal(new Dictionary<int, double> { [0] = 0.05, [2] = 0.5, [4] = 0.8 }, AttendAndExcite.DefaultThresholds(10));
        Assert.Equal(25, AttendAndExcite.DefaultMaxIterToAlter(50));
        Assert.Equal(5, AttendAndExcite.DefaultMaxIterToAlter(10));
        double[] sizes = AttendAndExcite.StepSizes(50, 20, (1.0, 0.5));
        Assert.Equal(20.0, sizes[0], 1e-12);
        Assert.Equal(20 * Math.Sqrt(0.5), sizes[^1], 1e-12);
        // ShapeWorld: 16×16 latents, cross-attention at 8×8 and 4×4; the reference's ⌈64/32⌉ = 2 is absent, so 8×8.
        var config = fixture.Model.UNet.Config;
        Assert.Equal([(8, 8), (4, 4)], AttendAndExcite.CrossAttentionResolutions(config, 16, 16).OrderByDescending(r => r.Height));
        Assert.Equal((8, 8), AttendAndExcite.DefaultResolution(config, 16, 16, 64, 64));
        // An SD 1.5-shaped UNet at 512 pixels: the reference's 16×16.
        var sd15 = new Align.Models.Diffusers.UNet2DConditionConfig();
        Assert.Equal((16, 16), AttendAndExcite.DefaultResolution(sd15, 64, 64, 512, 512));
    }

    [Fact]
    public void WithNothingAlteredItIsThePlainPipeline()
    {
        var request = new TextToImageRequest(Prompt, [11], 64, 64, 3, 5.0);
        using GenerationResult plain = fixture.Pipeline.Generate(request);
        var options = new AttendAndExciteOptions { MaxIterToAlter = 0, Thresholds = new Dictionary<int, double>() };
        using GenerationResult unaltered = new AttendAndExcite(fixture.Pipeline).Generate(request, options);
        Assert.True(unaltered.Images.Eq(plain.Images).All().ToBoolean(), "A&E with no updates differs from the plain pipeline");
    }

    [Fact]
    public void ExcitesTheNeglectedToken()
    {
        var request = new TextToImageRequest(Prompt, [3], 64, 64, 6, 5.0);
        var aae = new AttendAndExcite(fixture.Pipeline);
        var plain = new List<AttendAndExciteProgress>();
        var excited = new List<AttendAndExciteProgress>();
        using (aae.Generate(request, new AttendAndExciteOptions { MaxIterToAlter = 0, Thresholds = new Dictionary<int, double>() }, plain.Add)) { }
        using (aae.Generate(request, null, excited.Add)) { }
        Assert.Equal(6, excited.Count);
        Assert.Equal([3, 7], excited[0].TokenIndices);
        Assert.True(excited[0].RefinementIterations > 0 || excited[0].MaxAttention[0].Min() >= 0.05);
        // After the first update, the weakest subject token is attended more strongly than on the plain trajectory.
        double Weakest(List<AttendAndExciteProgress> run) => run.Skip(1).Take(2).Average(p => p.MaxAttention[0].Min());
        Assert.True(Weakest(excited) > Weakest(plain), $"weakest token's max attention {Weakest(excited):F3} with A&E vs {Weakest(plain):F3} without");
    }

    [Fact]
    public void CancellationStopsWithinOneStep()
    {
        using var cancel = new CancellationTokenSource();
        int steps = 0;
        var request = new TextToImageRequest(Prompt, [5], 64, 64, 6, 5.0);
        Assert.ThrowsAny<OperationCanceledException>(() => new AttendAndExcite(fixture.Pipeline).Generate(request, null, p =>
        {
            steps = p.Step;
            cancel.Cancel();
        }, cancel.Token));
        Assert.Equal(1, steps);
    }

    [Fact]
    public void BadTokenIndicesAreRefused()
    {
        var request = new TextToImageRequest(Prompt, [5], 64, 64, 2, 5.0);
        var aae = new AttendAndExcite(fixture.Pipeline);
        Assert.Throws<ArgumentException>(() => aae.Generate(request, new AttendAndExciteOptions { TokenIndices = [0] }));
        Assert.Throws<ArgumentException>(() => aae.Generate(request, new AttendAndExciteOptions { TokenIndices = [8] }));
        Assert.Throws<ArgumentException>(() => aae.Generate(request, new AttendAndExciteOptions { AttentionResolution = (16, 16) }));
    }
}
