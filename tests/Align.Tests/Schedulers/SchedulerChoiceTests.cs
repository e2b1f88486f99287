using System.Text.Json;
using System.Text.Json.Nodes;
using Align.Schedulers;
using Torch;

namespace Align.Tests.Schedulers;

/// <summary>
/// A request's sampler, derived from the model's scheduler config as diffusers' <c>from_config</c> does: each derived
/// scheduler equals the reference case diffusers built for that class from the same base config.
/// </summary>
public class SchedulerChoiceTests
{
    private const string File = "schedulers.safetensors";

    // The configs in schedulers.safetensors lack _class_name; a model's scheduler_config.json has it.
    private static JsonElement ModelConfig(SafetensorsFile refs, string name, string className)
    {
        JsonObject config = JsonNode.Parse(Reference.MetadataJson(refs, "configs").GetProperty(name).GetRawText())!.AsObject();
        config["_class_name"] = className;
        return JsonSerializer.SerializeToElement(config);
    }

    private static IScheduler Derive(string choice, JsonElement modelConfig)
    {
        (string className, JsonElement config) = SchedulerChoice.Configure(choice, modelConfig.GetProperty("_class_name").GetString()!, modelConfig);
        return SchedulerFactory.Create(className, config, choice);
    }

    [Fact]
    public void EulerKarrasFromAnEulerModelIsDiffusersKarrasCase()
    {
        using SafetensorsFile refs = Reference.Open(File);
        IScheduler karras = Derive("euler_karras", ModelConfig(refs, "euler.leading.epsilon", "EulerDiscreteScheduler"));
        Assert.True(Assert.IsType<EulerDiscreteScheduler>(karras).Config.UseKarrasSigmas);
        SchedulerRefCheck.Check(karras, refs, "euler.leading.epsilon.karras");
    }

    [Theory]
    [InlineData("leading.epsilon")]
    [InlineData("trailing.epsilon")]
    [InlineData("trailing.v_prediction")]
    public void DdimFromAnEulerModelAndEulerFromADdimModelAreDiffusersCases(string variant)
    {
        using SafetensorsFile refs = Reference.Open(File);
        // Stable Diffusion's DDIM (no clipping, last step to ᾱ₀), which is how the reference's DDIM cases are configured
        IScheduler ddim = Derive("ddim", ModelConfig(refs, $"euler.{variant}", "EulerDiscreteScheduler"));
        DdimConfig config = Assert.IsType<DdimScheduler>(ddim).Config;
        Assert.False(config.ClipSample);
        Assert.False(config.SetAlphaToOne);
        SchedulerRefCheck.Check(ddim, refs, $"ddim.{variant}");

        IScheduler euler = Derive("euler", ModelConfig(refs, $"ddim.{variant}", "DDIMScheduler"));
        Assert.IsType<EulerDiscreteScheduler>(euler);
        SchedulerRefCheck.Check(euler, refs, $"euler.{variant}");
    }

    [Fact]
    public void TheModelsOwnClassKeepsItsConfigAndEulerDropsKarras()
    {
        using SafetensorsFile refs = Reference.Open(File);
        JsonObject clipping = JsonNode.Parse(ModelConfig(refs, "ddim.leading.epsilon", "DDIMScheduler").GetRawText())!.AsObject();
        clipping["clip_sample"] = true;
        IScheduler ddim = Derive("ddim", JsonSerializer.SerializeToElement(clipping));
        Assert.True(Assert.IsType<DdimScheduler>(ddim).Config.ClipSample); // the model's choice, not the switch's default

        JsonElement karrasModel = ModelConfig(refs, "euler.leading.epsilon.karras", "EulerDiscreteScheduler");
        Assert.Equal("euler_karras", SchedulerChoice.Of("EulerDiscreteScheduler", karrasModel));
        IScheduler plain = Derive("euler", karrasModel);
        Assert.False(Assert.IsType<EulerDiscreteScheduler>(plain).Config.UseKarrasSigmas);
        SchedulerRefCheck.Check(plain, refs, "euler.leading.epsilon");
    }

    [Fact]
    public void LcmFromAnEulerModelKeepsItsBetasAndDoesNotClip()
    {
        using SafetensorsFile refs = Reference.Open(File);
        JsonElement euler = ModelConfig(refs, "euler.trailing.epsilon", "EulerDiscreteScheduler");
        LcmScheduler lcm = Assert.IsType<LcmScheduler>(Derive("lcm", euler));
        Assert.False(lcm.Config.ClipSample);
        Assert.Equal((TimestepSpacing.Trailing, 1), (lcm.Config.TimestepSpacing, lcm.Config.StepsOffset));
        Assert.Equal(Assert.IsType<EulerDiscreteScheduler>(Derive("euler", euler)).AlphasCumprod, lcm.AlphasCumprod);
        Assert.Equal("lcm", SchedulerChoice.Of("LCMScheduler", euler));
    }

    [Fact]
    public void UnknownNameIsRefusedListingTheChoices()
    {
        using SafetensorsFile refs = Reference.Open(File);
        var e = Assert.Throws<ArgumentException>(() => Derive("dpmpp_3m_sde", ModelConfig(refs, "euler.leading.epsilon", "EulerDiscreteScheduler")));
        Assert.Equal("scheduler", e.ParamName);
        Assert.StartsWith("unknown scheduler 'dpmpp_3m_sde' (one of euler, euler_karras, ddim, lcm, dpmpp_2m, dpmpp_2m_karras)", e.Message);
    }

    [Fact]
    public void DpmSolverFromAnEulerModelKeepsItsScheduleAndDefaults()
    {
        using SafetensorsFile refs = Reference.Open(File);
        JsonElement euler = ModelConfig(refs, "euler.trailing.v_prediction", "EulerDiscreteScheduler");
        foreach ((string name, bool karras) in new[] { ("dpmpp_2m", false), ("dpmpp_2m_karras", true) })
        {
            using IScheduler scheduler = Derive(name, euler);
            DpmSolverMultistepConfig c = Assert.IsType<DpmSolverMultistepScheduler>(scheduler).Config;
            Assert.Equal((2, DpmSolverType.Midpoint, FinalSigmasType.Zero, karras), (c.SolverOrder, c.SolverType, c.FinalSigmasType, c.UseKarrasSigmas));
            Assert.Equal((PredictionType.VPrediction, TimestepSpacing.Trailing, 1), (c.PredictionType, c.TimestepSpacing, c.StepsOffset));
            Assert.Equal(double.NegativeInfinity, c.LambdaMinClipped);
            Assert.Equal(name, SchedulerChoice.Of("DPMSolverMultistepScheduler", JsonSerializer.SerializeToElement(new { use_karras_sigmas = karras })));
        }
    }
}
