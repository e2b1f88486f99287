using System.Text.Json.Serialization;
using Align.Models;

namespace Align.Schedulers;

/// <summary>
/// The <c>scheduler_config.json</c> fields every scheduler here shares (snake_case keys, diffusers 0.27.2 defaults;
/// a derived config changes a default in its constructor where its diffusers class does).
/// </summary>
public abstract record SchedulerConfig
{
    public int NumTrainTimesteps { get; init; } = 1000;
    public double BetaStart { get; init; } = 0.0001;
    public double BetaEnd { get; init; } = 0.02;
    public BetaSchedule BetaSchedule { get; init; } = BetaSchedule.Linear;
    /// <summary>Explicit betas (one per training timestep), overriding the schedule.</summary>
    public double[]? TrainedBetas { get; init; }
    /// <summary>Rescale the betas to zero terminal SNR (arXiv:2305.08891, Algorithm 1).</summary>
    public bool RescaleBetasZeroSnr { get; init; }
    public PredictionType PredictionType { get; init; } = PredictionType.Epsilon;
    public TimestepSpacing TimestepSpacing { get; init; } = TimestepSpacing.Leading;
    public int StepsOffset { get; init; }

    /// <summary>Where the config was read from (for error messages).</summary>
    [JsonIgnore]
    public string Source { get; init; } = "scheduler config";

    /// <summary>Rejects values the schedulers cannot run with; the message names <see cref="Source"/>.</summary>
    public virtual void Validate()
    {
        if (NumTrainTimesteps < 1) throw Invalid("num_train_timesteps", NumTrainTimesteps, "must be at least 1");
        if (TrainedBetas is not null && TrainedBetas.Length != NumTrainTimesteps)
            throw Invalid("trained_betas", $"({TrainedBetas.Length} values)", $"must hold num_train_timesteps = {NumTrainTimesteps} values");
    }

    protected ModelLoadException Invalid(string key, object value, string why) => new($"{Source}: {key} {value}: {why}");
}
