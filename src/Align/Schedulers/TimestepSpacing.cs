using System.Text.Json.Serialization;

namespace Align.Schedulers;

/// <summary>How inference timesteps are picked from the training schedule (Table 2 of arXiv:2305.08891).</summary>
[JsonConverter(typeof(ConfigEnumConverter<TimestepSpacing>))]
public enum TimestepSpacing
{
    /// <summary>evenly from 0 to T−1 inclusive</summary>
    [JsonStringEnumMemberName("linspace")] Linspace,
    /// <summary>multiples of T / n from 0, plus <c>steps_offset</c></summary>
    [JsonStringEnumMemberName("leading")] Leading,
    /// <summary>from T − 1 down in steps of T / n</summary>
    [JsonStringEnumMemberName("trailing")] Trailing,
}
