using Align.Pipelines;
using Torch;
using Training.Evaluation;

namespace Training.Tests;

/// <summary>The evaluation's methods: Attend-and-Excite runs on the ShapeWorld model and changes the image; bad specs are refused by name.</summary>
public class EvalMethodTests
{
    [Fact]
    public void AttendAndExciteGeneratesEverySeedAndChangesTheImage()
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel model = StableDiffusionModel.Load(Shared.ShapeWorldModel);
        var pipeline = new TextToImagePipeline(model, new PromptCache(model.Prompts, 4));
        var request = new TextToImageRequest("a red circle to the left of a blue square", [3, 4], 64, 64, 8, 5.0);
        EvalMethod attend = EvalMethod.Parse("attend_excite", null), plain = EvalMethod.Parse("base", null);
        Assert.Equal("Attend-and-Excite", attend.Name);

        Tensor excited = attend.Generate(pipeline, request), based = plain.Generate(pipeline, request);
        Assert.Equal([2, 3, 64, 64], excited.Shape);
        double difference = (excited - based).Abs().Max().ToDouble();
        Assert.True(difference > 0.05, $"Attend-and-Excite changed the images by only {difference:G3}");
        excited.Dispose();
        based.Dispose();
    }

    [Theory]
    [InlineData("attend_excite:3", "unknown method")]
    [InlineData("best_of_n:0:clip", "N must be a positive integer")]
    [InlineData("best_of_n:4:pickscore", "unknown reward 'pickscore'")]
    [InlineData("reno:10:clip", "needs a reward model (--reward)")]
    [InlineData("best_of_n:4:reward", "needs a reward model (--reward)")]
    public void BadSpecsAreRefusedWithWhatIsWrong(string spec, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => EvalMethod.Parse(spec, null));
        Assert.Contains(expected, e.Message);
    }
}
