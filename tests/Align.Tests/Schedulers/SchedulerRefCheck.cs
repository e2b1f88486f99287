using Align.Schedulers;
using Torch;

namespace Align.Tests.Schedulers;

/// <summary>Checks a scheduler against one reference case: schedules for 1, 4 and 25 steps, and the 4-step trajectory.</summary>
internal static class SchedulerRefCheck
{
    public static readonly int[] StepCounts = [1, 4, 25];

    /// <summary>
    /// Names under <paramref name="prefix"/>: alphas_cumprod, n{N}.timesteps / sigmas / init_noise_sigma, traj.{i}.* and traj.x0.
    /// <paramref name="stepGenerator"/> feeds the noise of every step of the trajectory (null: none is passed).
    /// </summary>
    public static void Check(IScheduler scheduler, SafetensorsFile refs, string prefix, int[]? counts = null, Generator? stepGenerator = null)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = Autograd.NoGrad();
        Reference.AssertClose(refs.Load($"{prefix}.alphas_cumprod"), Tensor.FromArray(scheduler.AlphasCumprod.ToArray()), $"{prefix} alphas_cumprod");

        foreach (int n in counts ?? StepCounts)
        {
            scheduler.SetTimesteps(n);
            string at = $"{prefix}.n{n}";
            Assert.Equal(Values(refs.Load($"{at}.timesteps")), scheduler.Timesteps);
            Assert.Equal(refs[$"{at}.timesteps"].DType, scheduler.TimestepDType);
            if (refs.Contains($"{at}.sigmas"))
                Reference.AssertClose(refs.Load($"{at}.sigmas"), Tensor.FromArray(scheduler.Sigmas!.ToArray()), $"{at}.sigmas");
            else
                Assert.Null(scheduler.Sigmas);
            Reference.AssertClose(refs.Load($"{at}.init_noise_sigma"), Tensor.FromArray(new[] { scheduler.InitNoiseSigma }, 1), $"{at}.init_noise_sigma");
        }

        scheduler.SetTimesteps(4);
        Tensor x = refs.Load($"{prefix}.traj.x0");
        for (int i = 0; i < scheduler.Timesteps.Count; i++)
        {
            double t = scheduler.Timesteps[i];
            string step = $"{prefix}.traj.{i}";
            Reference.AssertClose(refs.Load($"{step}.scaled_input"), scheduler.ScaleModelInput(x, t), $"{step}.scaled_input");
            SchedulerStepOutput output = scheduler.Step(refs.Load($"{step}.model_output"), t, x, stepGenerator);
            Reference.AssertClose(refs.Load($"{step}.pred_original_sample"), output.PredOriginalSample, $"{step}.pred_original_sample");
            Reference.AssertClose(refs.Load($"{step}.prev_sample"), output.PrevSample, $"{step}.prev_sample");
            x = output.PrevSample;
        }
        Assert.False(refs.Contains($"{prefix}.traj.{scheduler.Timesteps.Count}.prev_sample"), "the reference trajectory is longer than ours");
    }

    public static double[] Values(Tensor t)
    {
        using Tensor d = t.To(DType.Float64);
        return d.ToArray<double>();
    }
}
