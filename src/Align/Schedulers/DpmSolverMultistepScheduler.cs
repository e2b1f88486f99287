using Torch;

namespace Align.Schedulers;

/// <summary>
/// diffusers 0.27.2 <c>DPMSolverMultistepScheduler</c> with DPM-Solver++ (Lu et al. 2022, arXiv:2211.01095): each step
/// converts the model output to a data prediction x̂₀ and integrates the probability-flow ODE in λ = log(α/σ), exactly
/// for the linear part; the second order (2M) reuses the previous step's x̂₀ (eq. 5 of the paper, midpoint or Heun's
/// form), so it costs one model call per step as Euler does. The first order is DDIM. Below 15 steps the last steps fall
/// back to lower orders, as diffusers does. Holds the previous x̂₀ between steps: dispose it after the run.
/// </summary>
public sealed class DpmSolverMultistepScheduler : SchedulerBase
{
    private readonly float[] _trainSigmas; // √((1−ᾱ)/ᾱ) by training timestep, float32 as torch computes it
    private readonly float[] _logSigmas; // NumPy's float32 log of those
    private readonly float[] _lambdas; // λ(t) = log √ᾱ − log √(1−ᾱ), float32
    private readonly Tensor?[] _outputs; // the last solver_order data predictions, oldest first (owned here)
    private float[] _sigmas = [];
    private int _lowerOrderNums;

    public DpmSolverMultistepScheduler(DpmSolverMultistepConfig config) : base(config)
    {
        Config = config;
        _trainSigmas = TrainSigmas(AlphasCumprodValues);
        _lambdas = TrainLambdas(AlphasCumprodValues);
        _logSigmas = _trainSigmas.Select(NumPy.LogF).ToArray();
        _outputs = new Tensor?[config.SolverOrder];
        int n = config.NumTrainTimesteps;
        TimestepValues = NumPy.Linspace(0, n - 1, n).Reverse().Select(t => (double)(float)t).ToArray();
    }

    public new DpmSolverMultistepConfig Config { get; }
    public override DType TimestepDType => DType.Int64;
    public override IReadOnlyList<float> Sigmas => _sigmas;

    public override void SetTimesteps(int steps)
    {
        CheckSteps(steps);
        int n = Config.NumTrainTimesteps;
        // torch.searchsorted over λ ascending (flipped): how many training timesteps fall below lambda_min_clipped
        int clipped = _lambdas.Count(l => l < Config.LambdaMinClipped);
        long last = n - clipped;
        double[] timesteps = Config.TimestepSpacing switch
        {
            TimestepSpacing.Linspace => NumPy.Linspace(0, last - 1, steps + 1).Select(NumPy.Round).Reverse().Take(steps).ToArray(),
            TimestepSpacing.Leading => Enumerable.Range(0, steps + 1).Reverse().Take(steps)
                .Select(i => NumPy.Round((double)i * (last / (steps + 1))) + Config.StepsOffset).ToArray(),
            TimestepSpacing.Trailing => NumPy.Arange(last, 0, -((double)n / steps)).Select(t => NumPy.Round(t) - 1).ToArray(),
            _ => throw new InvalidOperationException($"timestep spacing {Config.TimestepSpacing}"),
        };

        double[] sigmas;
        if (Config.UseKarrasSigmas)
        {
            // between the training schedule's extremes (not the inference timesteps'), then back to the nearest timesteps
            double[] descending = _trainSigmas.Reverse().Select(s => (double)s).ToArray();
            sigmas = KarrasSigmas.From(descending, steps, null, null);
            timesteps = sigmas.Select(s => NumPy.Round(KarrasSigmas.ToTimestep(s, _logSigmas))).ToArray();
        }
        else
        {
            double[] xp = Enumerable.Range(0, n).Select(t => (double)t).ToArray(), fp = _trainSigmas.Select(s => (double)s).ToArray();
            sigmas = timesteps.Select(t => NumPy.Interp(t, xp, fp)).ToArray();
        }
        float sigmaLast = Config.FinalSigmasType == FinalSigmasType.Zero ? 0f
            : MathF.Sqrt((1f - AlphasCumprodValues[0]) / AlphasCumprodValues[0]);

        TimestepValues = timesteps;
        _sigmas = [.. sigmas.Select(s => (float)s), sigmaLast];
        NumInferenceSteps = timesteps.Length;
        ForgetOutputs();
        ResetStepIndex();
    }

    public override SchedulerStepOutput Step(Tensor modelOutput, double timestep, Tensor sample, Generator? generator = null)
    {
        if (NumInferenceSteps is null) throw new InvalidOperationException("the number of inference steps is not set: call SetTimesteps first");
        int i = InitStepIndex(timestep);
        int count = TimestepValues.Length;
        if (i >= count) throw new InvalidOperationException($"step {i + 1} is past the end of the {count}-step schedule");
        // diffusers also demotes the step before the last below 15 steps (lower_order_second): that only changes a third order
        bool lowerOrderFinal = i == count - 1
            && (Config.EulerAtFinal || (Config.LowerOrderFinal && count < 15) || Config.FinalSigmasType == FinalSigmasType.Zero);

        using var scope = torch.NewDisposeScope();
        Tensor x0 = DataPrediction(modelOutput, sample, _sigmas[i]);
        _outputs[0]?.Dispose();
        for (int k = 0; k < _outputs.Length - 1; k++) _outputs[k] = _outputs[k + 1];
        _outputs[^1] = Share(x0).DetachFromDisposeScope();

        Tensor x = sample.To(DType.Float32);
        Tensor prev = Config.SolverOrder == 1 || _lowerOrderNums < 1 || lowerOrderFinal ? FirstOrderUpdate(x0, x, i) : SecondOrderUpdate(x, i);
        if (_lowerOrderNums < Config.SolverOrder) _lowerOrderNums++;
        StepIndex = i + 1;
        return new SchedulerStepOutput(prev.To(modelOutput.DType).MoveToOuterScope(), x0.MoveToOuterScope());
    }

    /// <summary>α_t·x₀ + σ_t·ε at each sample's timestep, located in the current schedule as diffusers does.</summary>
    public override Tensor AddNoise(Tensor original, Tensor noise, Tensor timesteps)
    {
        int[] indices = NoisingIndices(timesteps);

        using var scope = torch.NewDisposeScope();
        (float Alpha, float Sigma)[] factors = indices.Select(i => AlphaSigma(_sigmas[i])).ToArray();
        long[] shape = [factors.Length, .. Enumerable.Repeat(1L, (int)Math.Max(0, original.Dim - 1))];
        Tensor alpha = Tensor.FromArray(factors.Select(f => f.Alpha).ToArray(), shape).To(original.Device, original.DType);
        Tensor sigma = Tensor.FromArray(factors.Select(f => f.Sigma).ToArray(), shape).To(original.Device, original.DType);
        return (alpha * original + sigma * noise).MoveToOuterScope();
    }

    public override void Dispose() => ForgetOutputs();

    // DPM-Solver++ integrates the data prediction: x̂₀ from the model output at noise level σ (diffusers' convert_model_output).
    private Tensor DataPrediction(Tensor modelOutput, Tensor sample, float sigma)
    {
        (float alpha, float sigmaT) = AlphaSigma(sigma);
        return Config.PredictionType switch
        {
            PredictionType.Epsilon => (sample - modelOutput * (double)sigmaT) / (double)alpha,
            PredictionType.VPrediction => sample * (double)alpha - modelOutput * (double)sigmaT,
            PredictionType.Sample => Share(modelOutput),
            _ => throw new InvalidOperationException($"prediction type {Config.PredictionType}"),
        };
    }

    // x_t = (σ_t/σ_s)·x_s − α_t·(e^(−h) − 1)·x̂₀, h = λ_t − λ_s: DDIM in the λ variable.
    private Tensor FirstOrderUpdate(Tensor x0, Tensor x, int i)
    {
        (float alphaT, float sigmaT) = AlphaSigma(_sigmas[i + 1]);
        (float alphaS, float sigmaS) = AlphaSigma(_sigmas[i]);
        float h = Lambda(alphaT, sigmaT) - Lambda(alphaS, sigmaS);
        return x * (double)(sigmaT / sigmaS) - x0 * (double)(alphaT * (MathF.Exp(-h) - 1f));
    }

    // The multistep second order: D1 = (m₀ − m₁)/r₀ estimates the derivative of x̂₀ in λ from the previous step.
    private Tensor SecondOrderUpdate(Tensor x, int i)
    {
        (float alphaT, float sigmaT) = AlphaSigma(_sigmas[i + 1]);
        (float alphaS0, float sigmaS0) = AlphaSigma(_sigmas[i]);
        (float alphaS1, float sigmaS1) = AlphaSigma(_sigmas[i - 1]);
        float lambdaT = Lambda(alphaT, sigmaT), lambdaS0 = Lambda(alphaS0, sigmaS0), lambdaS1 = Lambda(alphaS1, sigmaS1);
        Tensor m0 = _outputs[^1]!, m1 = _outputs[^2]!;
        float h = lambdaT - lambdaS0, h0 = lambdaS0 - lambdaS1;
        float r0 = h0 / h;
        Tensor d1 = (m0 - m1) * (double)(1f / r0);
        float first = alphaT * (MathF.Exp(-h) - 1f);
        Tensor linear = x * (double)(sigmaT / sigmaS0) - m0 * (double)first;
        return Config.SolverType == DpmSolverType.Midpoint
            ? linear - d1 * (double)(0.5f * first)
            : linear + d1 * (double)(alphaT * ((MathF.Exp(-h) - 1f) / h + 1f));
    }

    // α_t = 1/√(σ² + 1), σ_t = σ·α_t: the VP pair of an Euler-style σ (float32, as diffusers' 0-d tensors).
    private static (float Alpha, float Sigma) AlphaSigma(float sigma)
    {
        float alpha = 1f / MathF.Sqrt(sigma * sigma + 1f);
        return (alpha, sigma * alpha);
    }

    private static float Lambda(float alpha, float sigma) => MathF.Log(alpha) - MathF.Log(sigma);

    private void ForgetOutputs()
    {
        for (int k = 0; k < _outputs.Length; k++)
        {
            _outputs[k]?.Dispose();
            _outputs[k] = null;
        }
        _lowerOrderNums = 0;
    }

    // λ = log √ᾱ − log √(1 − ᾱ) of each training timestep, in float32 as diffusers computes it with torch
    private static float[] TrainLambdas(float[] alphasCumprod)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = Autograd.NoGrad();
        Tensor ac = Tensor.FromArray(alphasCumprod);
        return (ac.Sqrt().Log() - (1.0 - ac).Sqrt().Log()).ToArray<float>();
    }
}
