using System.Text.Json;
using Align.Schedulers;
using Torch;

namespace Align.Tests.Schedulers;

/// <summary>
/// DPM-Solver++ (diffusers' DPMSolverMultistepScheduler, orders 1 and 2): against gen_dpmsolver.py's transcription of
/// diffusers' code (schedules, 4-step and long trajectories, spacing, noising), and against what needs no transcription:
/// the first order is DDIM, and the second order's error on an exactly solvable ODE falls as h² where the first's falls as h.
/// </summary>
public class DpmSolverTests
{
    private const string File = "dpmsolver.safetensors";
    private const string ClassName = "DPMSolverMultistepScheduler";

    public static TheoryData<string> Cases()
    {
        using SafetensorsFile f = SchedulerFixture.Open(File);
        var data = new TheoryData<string>();
        foreach (JsonProperty c in SchedulerConfigJson.Parse(f.Metadata["cases"]).EnumerateObject()) data.Add(c.Name);
        return data;
    }

    // The fixture's configs are Python's json: lambda_min_clipped is a bare -Infinity, as in diffusers' own config files.
    private static JsonElement Case(SafetensorsFile f, string name) => SchedulerConfigJson.Parse(f.Metadata["cases"]).GetProperty(name);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTranscribedDiffusers(string name)
    {
        using SafetensorsFile f = SchedulerFixture.Open(File);
        JsonElement c = Case(f, name);
        using IScheduler scheduler = SchedulerFactory.Create(ClassName, c.GetProperty("config"), name);
        int[] counts = c.GetProperty("counts").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        SchedulerRefCheck.Check(scheduler, f, name, counts);
        if (c.GetProperty("long").ValueKind != JsonValueKind.Number) return;

        // a longer run: many second-order steps in a row, and (at 15 steps or more) no lower-order fallback before the last
        int steps = c.GetProperty("long").GetInt32();
        using var scope = torch.NewDisposeScope();
        scheduler.SetTimesteps(steps);
        string at = $"{name}.traj{steps}";
        Tensor x = f.Load($"{at}.x0");
        for (int i = 0; i < steps; i++)
        {
            SchedulerStepOutput output = scheduler.Step(f.Load($"{at}.{i}.model_output"), scheduler.Timesteps[i], x);
            Reference.AssertClose(f.Load($"{at}.{i}.pred_original_sample"), output.PredOriginalSample, $"{at}.{i}.pred_original_sample");
            Reference.AssertClose(f.Load($"{at}.{i}.prev_sample"), output.PrevSample, $"{at}.{i}.prev_sample", atol: 1e-6);
            x = output.PrevSample;
        }
    }

    /// <summary>diffusers writes its configs with Python's json: −∞ is a bare -Infinity, which strict JSON readers refuse.</summary>
    [Fact]
    public void ReadsADiffusersConfigFileWithNonFiniteLiterals()
    {
        using var temp = new TempDirectory("dpm");
        string dir = temp.Path;
        System.IO.File.WriteAllText(Path.Combine(dir, SchedulerFactory.ConfigFileName), """
            {"_class_name": "DPMSolverMultistepScheduler", "_diffusers_version": "0.27.2", "lambda_min_clipped": -Infinity,
             "variance_type": null, "beta_schedule": "scaled_linear", "_note": "NaN and -Infinity inside a string stay text"}
            """);
        using IScheduler scheduler = SchedulerFactory.FromConfig(dir);
        DpmSolverMultistepConfig c = Assert.IsType<DpmSolverMultistepScheduler>(scheduler).Config;
        Assert.Equal(double.NegativeInfinity, c.LambdaMinClipped);
        Assert.Equal("NaN and -Infinity inside a string stay text", SchedulerConfigJson.Parse("""{"a": "NaN and -Infinity inside a string stay text"}""").GetProperty("a").GetString());
        var e = Assert.Throws<Align.Models.ModelLoadException>(() => SchedulerFactory.Create(ClassName, SchedulerConfigJson.Parse("""{"lambda_min_clipped": NaN}"""), "nan"));
        Assert.Contains("lambda_min_clipped NaN", e.Message);
    }

    [Theory]
    [InlineData("linspace")]
    [InlineData("leading")]
    [InlineData("trailing")]
    public void TimestepSpacingFollowsNumPy(string spacing)
    {
        using SafetensorsFile f = SchedulerFixture.Open(File);
        int[] counts = Reference.MetadataJson(f, "spacing_counts").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        string json = $$"""{"beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear", "timestep_spacing": "{{spacing}}", "steps_offset": 1}""";
        using IScheduler scheduler = SchedulerFactory.Create(ClassName, SchedulerConfigJson.Parse(json), json);
        foreach (int n in counts)
        {
            scheduler.SetTimesteps(n);
            string at = $"spacing.{spacing}.n{n}";
            Assert.Equal(SchedulerRefCheck.Values(f.Load($"{at}.timesteps")), scheduler.Timesteps);
            Reference.AssertClose(f.Load($"{at}.sigmas"), Tensor.FromArray(scheduler.Sigmas!.ToArray()), $"{at}.sigmas");
        }
    }

    [Fact]
    public void AddNoiseLocatesTheTimestepOrStartsAtTheBeginIndex()
    {
        using var scope = torch.NewDisposeScope();
        using SafetensorsFile f = SchedulerFixture.Open(File);
        const string json = """{"beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear"}""";
        using IScheduler scheduler = SchedulerFactory.Create(ClassName, SchedulerConfigJson.Parse(json), json);
        scheduler.SetTimesteps(25);
        Tensor x = f.Load("noising.x"), noise = f.Load("noising.noise"), ts = f.Load("noising.timesteps");
        Reference.AssertClose(f.Load("noising.add_noise"), scheduler.AddNoise(x, noise, ts), "add_noise");
        scheduler.SetBeginIndex(5);
        Reference.AssertClose(f.Load("noising.add_noise.begin5"), scheduler.AddNoise(x, noise, ts), "add_noise from begin index 5");
    }

    /// <summary>DPM-Solver-1 is DDIM (η = 0) written in λ: on the same trailing schedule, step for step the same samples.</summary>
    [Fact]
    public void FirstOrderIsDdim()
    {
        using var scope = torch.NewDisposeScope();
        const string common = "\"beta_start\": 0.00085, \"beta_end\": 0.012, \"beta_schedule\": \"scaled_linear\", \"timestep_spacing\": \"trailing\"";
        using IScheduler dpm = SchedulerFactory.Create(ClassName, SchedulerConfigJson.Parse($$"""{{{common}}, "solver_order": 1}"""), "dpm");
        using IScheduler ddim = SchedulerFactory.Create("DDIMScheduler", SchedulerConfigJson.Parse($$"""{{{common}}, "clip_sample": false, "set_alpha_to_one": true}"""), "ddim");
        dpm.SetTimesteps(10);
        ddim.SetTimesteps(10);
        Assert.Equal(ddim.Timesteps, dpm.Timesteps);
        using var g = new Generator(3);
        Tensor a = torch.Randn([1, 4, 8, 8], g), b = a;
        for (int i = 0; i < 10; i++)
        {
            Tensor output = torch.Randn([1, 4, 8, 8], g);
            a = dpm.Step(output, dpm.Timesteps[i], a).PrevSample;
            b = ddim.Step(output, ddim.Timesteps[i], b).PrevSample;
            Reference.AssertClose(b, a, $"DPM-Solver-1 vs DDIM after step {i}", rtol: 1e-4, atol: 1e-5);
        }
    }

    /// <summary>
    /// For Gaussian data x₀ ~ N(μ, s²) the exact denoiser is known, E[x₀ | x] = μ + α s² (x − α μ) / (α² s² + σ²), and so is the
    /// probability-flow ODE's solution: (x − α μ)/√(α² s² + σ²) stays constant. Solving to the last noise level with that
    /// model, doubling the steps divides DPM-Solver-2M's error by about 4 and DPM-Solver-1's by about 2 (measured: 4.3 and
    /// 2.0). Karras sigmas, so that every step in λ shrinks with the step count (timesteps spaced evenly in t keep the last
    /// steps' h about log((k+1)/k)/2 whatever the count, which hides the order).
    /// </summary>
    [Theory]
    [InlineData(1, 1.8, 2.2)]
    [InlineData(2, 3.6, 5.0)]
    public void ErrorOnAnExactOdeFallsWithTheSolversOrder(int order, double minRatio, double maxRatio)
    {
        const double mu = 0.3, s = 0.5;
        double[] errors = [.. new[] { 16, 32, 64 }.Select(steps => Error(order, steps, mu, s))];
        for (int k = 0; k + 1 < errors.Length; k++)
        {
            double ratio = errors[k] / errors[k + 1];
            Assert.True(ratio > minRatio && ratio < maxRatio,
                $"order {order}: error {errors[k]:E3} → {errors[k + 1]:E3} when the steps double (ratio {ratio:F2}, expected {minRatio}–{maxRatio})");
        }
    }

    private static double Error(int order, int steps, double mu, double s)
    {
        using var scope = torch.NewDisposeScope();
        string json = $$"""{"beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear", "solver_order": {{order}}, "use_karras_sigmas": true, "final_sigmas_type": "sigma_min", "lower_order_final": false}""";
        using IScheduler scheduler = SchedulerFactory.Create(ClassName, SchedulerConfigJson.Parse(json), json);
        scheduler.SetTimesteps(steps);
        (double Alpha, double Sigma) Vp(float sigma) => (1 / Math.Sqrt(sigma * (double)sigma + 1), sigma / Math.Sqrt(sigma * (double)sigma + 1));
        double Spread(float sigma) => Math.Sqrt(Math.Pow(Vp(sigma).Alpha * s, 2) + Math.Pow(Vp(sigma).Sigma, 2));

        using var g = new Generator(11);
        Tensor z = torch.Randn([1, 4, 8, 8], g, DType.Float64);
        (double alpha0, _) = Vp(scheduler.Sigmas![0]);
        Tensor x = (z * Spread(scheduler.Sigmas[0]) + alpha0 * mu).To(DType.Float32);
        for (int i = 0; i < steps; i++)
        {
            (double alpha, double sigma) = Vp(scheduler.Sigmas[i]);
            Tensor x64 = x.To(DType.Float64);
            Tensor denoised = (x64 - alpha * mu) * (alpha * s * s / (alpha * alpha * s * s + sigma * sigma)) + mu;
            Tensor epsilon = ((x64 - denoised * alpha) / sigma).To(DType.Float32);
            x = scheduler.Step(epsilon, scheduler.Timesteps[i], x).PrevSample;
        }
        float last = scheduler.Sigmas[^1];
        Tensor exact = z * Spread(last) + Vp(last).Alpha * mu;
        return (x.To(DType.Float64) - exact).Abs().Max().ToDouble();
    }
}
