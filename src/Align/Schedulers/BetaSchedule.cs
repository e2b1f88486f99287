using System.Text.Json.Serialization;

namespace Align.Schedulers;

/// <summary>diffusers' <c>beta_schedule</c>.</summary>
[JsonConverter(typeof(ConfigEnumConverter<BetaSchedule>))]
public enum BetaSchedule
{
    /// <summary>betas evenly spaced from beta_start to beta_end</summary>
    [JsonStringEnumMemberName("linear")] Linear,
    /// <summary>square roots of the betas evenly spaced (latent diffusion)</summary>
    [JsonStringEnumMemberName("scaled_linear")] ScaledLinear,
    /// <summary>the cosine ᾱ(t) schedule of improved DDPM, betas capped at 0.999</summary>
    [JsonStringEnumMemberName("squaredcos_cap_v2")] SquaredCosCapV2,
}
