using System.Text.Json;
using Align.Schedulers;
using Torch;

namespace Align.Tests.Schedulers;

/// <summary>Every case of refs/schedulers.safetensors and of the reference models' scheduler refs (diffusers 0.27.2).</summary>
public class ReferenceScheduleTests
{
    private const string File = "schedulers.safetensors";

    public static TheoryData<string> Cases()
    {
        using SafetensorsFile refs = Reference.Open(File);
        var data = new TheoryData<string>();
        foreach (JsonProperty c in Reference.MetadataJson(refs, "configs").EnumerateObject()) data.Add(c.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesDiffusers(string name)
    {
        using SafetensorsFile refs = Reference.Open(File);
        JsonElement config = Reference.MetadataJson(refs, "configs").GetProperty(name);
        string className = name.Split('.')[0] switch
        {
            "euler" => "EulerDiscreteScheduler",
            "ddim" => "DDIMScheduler",
            string other => throw new InvalidOperationException($"unknown scheduler family '{other}' in {File}"),
        };
        IScheduler scheduler = SchedulerFactory.Create(className, config, $"{File}:{name}");
        SchedulerRefCheck.Check(scheduler, refs, name);
    }

    [Fact]
    public void EveryReferenceCaseIsCovered()
    {
        using SafetensorsFile refs = Reference.Open(File);
        var cases = Reference.MetadataJson(refs, "configs").EnumerateObject().Select(c => c.Name).ToHashSet();
        Assert.Equal(11, cases.Count);
        foreach (string tensor in refs.Names)
            Assert.Contains(cases, c => tensor.StartsWith(c + ".n", StringComparison.Ordinal) || tensor.StartsWith(c + ".traj.", StringComparison.Ordinal)
                                        || tensor == c + ".alphas_cumprod");
    }

    [Theory]
    [InlineData("tiny-sd15", PredictionType.Epsilon, TimestepSpacing.Trailing)]
    [InlineData("tiny-sd21-v", PredictionType.VPrediction, TimestepSpacing.Trailing)]
    [InlineData("tiny-sdxl", PredictionType.Epsilon, TimestepSpacing.Leading)]
    public void ModelSchedulerMatchesDiffusers(string model, PredictionType prediction, TimestepSpacing spacing)
    {
        using SafetensorsFile refs = Reference.Open($"{model}.scheduler.safetensors");
        JsonElement used = Reference.MetadataJson(refs, "scheduler_config");
        Assert.Equal("EulerDiscreteScheduler", used.GetProperty("_class_name").GetString());

        // built the way a pipeline builds it: from the model's scheduler/ folder
        IScheduler scheduler = SchedulerFactory.FromConfig(Path.Combine(Reference.Model(model), "scheduler"));
        Assert.IsType<EulerDiscreteScheduler>(scheduler);
        Assert.Equal(prediction, scheduler.PredictionType);
        Assert.Equal(spacing, scheduler.Config.TimestepSpacing);
        SchedulerRefCheck.Check(scheduler, refs, "scheduler");
    }
}
