using Align.Models;
using Align.Schedulers;

namespace Align.Tests.Schedulers;

/// <summary>Unsupported or invalid scheduler configs fail with a <see cref="ModelLoadException"/> naming the file and the value.</summary>
public class SchedulerConfigErrorTests
{
    private const string Euler = """
        "_class_name": "EulerDiscreteScheduler", "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear"
        """;

    private static TempDirectory Write(string json)
    {
        var dir = new TempDirectory("sched");
        File.WriteAllText(Path.Combine(dir.Path, SchedulerFactory.ConfigFileName), json);
        return dir;
    }

    private static ModelLoadException Fails(string json, params string[] expectedParts)
    {
        using TempDirectory temp = Write(json);
        string dir = temp.Path;
        var e = Assert.Throws<ModelLoadException>(() => SchedulerFactory.FromConfig(dir));
        Assert.Contains(Path.Combine(dir, SchedulerFactory.ConfigFileName), e.Message);
        foreach (string part in expectedParts) Assert.Contains(part, e.Message);
        return e;
    }

    [Fact]
    public void ReadsAFolderOrTheFileItself()
    {
        using TempDirectory temp = Write("{" + Euler + ", \"prediction_type\": \"v_prediction\", \"timestep_spacing\": \"trailing\", \"future_option\": 3}");
        string dir = temp.Path;
        IScheduler fromDir = SchedulerFactory.FromConfig(dir);
        IScheduler fromFile = SchedulerFactory.FromConfig(Path.Combine(dir, SchedulerFactory.ConfigFileName));
        Assert.IsType<EulerDiscreteScheduler>(fromDir);
        Assert.Equal(PredictionType.VPrediction, fromFile.PredictionType);
        Assert.Equal(Path.Combine(dir, SchedulerFactory.ConfigFileName), fromFile.Config.Source);
    }

    [Theory]
    [InlineData("PNDMScheduler")]
    [InlineData("EulerAncestralDiscreteScheduler")]
    [InlineData("ddimscheduler")]
    public void UnsupportedClassIsNamed(string className) =>
        Fails($$"""{"_class_name": "{{className}}"}""", $"'{className}'", "EulerDiscreteScheduler, DDIMScheduler, LCMScheduler");

    [Fact]
    public void MissingClassName() => Fails("""{"beta_start": 0.1}""", "_class_name");

    [Fact]
    public void NotJson() => Fails("{\"_class_name\": \"DDIMScheduler\", ", "not valid JSON");

    [Fact]
    public void MissingFile()
    {
        using var temp = new TempDirectory("sched");
        string dir = temp.Path;
        var e = Assert.Throws<ModelLoadException>(() => SchedulerFactory.FromConfig(dir));
        Assert.Contains(Path.Combine(dir, SchedulerFactory.ConfigFileName), e.Message);
        Assert.Contains("not found", e.Message);
    }

    [Theory]
    [InlineData("prediction_type", "\"x_prediction\"", "'x_prediction'", "epsilon, v_prediction, sample")]
    [InlineData("timestep_spacing", "\"even\"", "'even'", "linspace, leading, trailing")]
    [InlineData("beta_schedule", "\"cosine\"", "'cosine'", "linear, scaled_linear, squaredcos_cap_v2")]
    [InlineData("interpolation_type", "\"log_linear\"", "'log_linear'", "linear")]
    [InlineData("timestep_type", "\"continuous\"", "'continuous'", "discrete")]
    [InlineData("final_sigmas_type", "\"sigma_max\"", "'sigma_max'", "zero, sigma_min")]
    [InlineData("prediction_type", "3", "3", "epsilon")]
    [InlineData("prediction_type", "null", "null", "epsilon")]
    public void UnsupportedEulerValueIsNamed(string key, string value, string shown, string expected) =>
        Fails("{" + Euler + $", \"{key}\": {value}}}", key, shown, "not supported", expected);

    [Theory]
    [InlineData("\"use_exponential_sigmas\": true", "use_exponential_sigmas")]
    [InlineData("\"use_beta_sigmas\": true", "use_beta_sigmas")]
    [InlineData("\"final_sigmas_type\": \"sigma_min\"", "final_sigmas_type sigma_min: is not supported for Euler")]
    [InlineData("\"num_train_timesteps\": 0", "num_train_timesteps 0")]
    [InlineData("\"trained_betas\": [0.1, 0.2]", "trained_betas (2 values)")]
    [InlineData("\"sigma_min\": -1", "sigma_min -1")]
    [InlineData("\"num_train_timesteps\": \"many\"", "num_train_timesteps")]
    [InlineData("\"use_karras_sigmas\": \"yes\"", "use_karras_sigmas")]
    public void InvalidEulerValueIsNamed(string entry, string expected) => Fails("{" + Euler + ", " + entry + "}", expected);

    [Theory]
    [InlineData("DDIMScheduler", "\"prediction_type\": \"v\"", "'v'")]
    [InlineData("DDIMScheduler", "\"thresholding\": true, \"dynamic_thresholding_ratio\": 1.5", "dynamic_thresholding_ratio 1.5")]
    [InlineData("LCMScheduler", "\"original_inference_steps\": 2000", "original_inference_steps 2000")]
    [InlineData("LCMScheduler", "\"beta_schedule\": \"squaredcos\"", "'squaredcos'")]
    [InlineData("DPMSolverMultistepScheduler", "\"solver_order\": 3", "solver_order 3: is not supported (1 or 2)")]
    [InlineData("DPMSolverMultistepScheduler", "\"algorithm_type\": \"sde-dpmsolver++\"", "'sde-dpmsolver++' is not supported (expected one of: dpmsolver++)")]
    [InlineData("DPMSolverMultistepScheduler", "\"use_lu_lambdas\": true", "use_lu_lambdas true: is not supported")]
    [InlineData("DPMSolverMultistepScheduler", "\"thresholding\": true", "thresholding true: is not supported with DPM-Solver")]
    public void InvalidDdimLcmAndDpmSolverValuesAreNamed(string className, string entry, string expected) =>
        Fails($$"""{"_class_name": "{{className}}", {{entry}}}""", expected);
}
