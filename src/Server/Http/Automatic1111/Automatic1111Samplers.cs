using Server.Api;

namespace Server.Http.Automatic1111;

/// <summary>
/// A1111's sampler names and schedule types (its <c>scheduler</c> field, 1.9 and later) for the samplers this server runs
/// (<see cref="Align.Schedulers.SchedulerChoice"/>): Euler and DPM++ 2M (each also with the Karras schedule), DDIM and LCM.
/// Any model runs any of them; other names are refused listing the ones that work.
/// </summary>
public static class Automatic1111Samplers
{
    public sealed record Sampler(string Name, IReadOnlyList<string> Aliases, IReadOnlyDictionary<string, string> Options)
    {
        /// <summary>The sampler name (SchedulerChoice) with the sampler's own schedule, and with Karras sigmas where it has them.</summary>
        [System.Text.Json.Serialization.JsonIgnore] public string Plain { get; init; } = "";
        [System.Text.Json.Serialization.JsonIgnore] public string? Karras { get; init; }
    }

    /// <summary>An entry of <c>GET /sdapi/v1/schedulers</c>.</summary>
    public sealed record ScheduleType(string Name, string Label);

    private static readonly Sampler Euler = new("Euler", ["k_euler"], new Dictionary<string, string>()) { Plain = "euler", Karras = "euler_karras" };
    private static readonly Sampler DpmPlusPlus2M = new("DPM++ 2M", ["k_dpmpp_2m"], new Dictionary<string, string>()) { Plain = "dpmpp_2m", Karras = "dpmpp_2m_karras" };
    private static readonly Sampler Ddim = new("DDIM", ["ddim"], new Dictionary<string, string>()) { Plain = "ddim" };
    private static readonly Sampler Lcm = new("LCM", ["k_lcm"], new Dictionary<string, string>()) { Plain = "lcm" };

    public static readonly IReadOnlyList<Sampler> All = [Euler, DpmPlusPlus2M, Ddim, Lcm];

    // A1111 before 1.9 listed the Karras variant as a sampler of its own
    private static readonly string[] LegacyDpmPlusPlus2MKarras = ["DPM++ 2M Karras", "k_dpmpp_2m_ka"];

    private static readonly ScheduleType Automatic = new("automatic", "Automatic");
    private static readonly ScheduleType Uniform = new("uniform", "Uniform");
    private static readonly ScheduleType KarrasSchedule = new("karras", "Karras");

    public static readonly IReadOnlyList<ScheduleType> Schedules = [Automatic, Uniform, KarrasSchedule];

    /// <summary>
    /// The sampler a txt2img request names, as a <see cref="Align.Schedulers.SchedulerChoice"/> name, or null for the model's
    /// own (<paramref name="modelDefault"/>). "Automatic" keeps the model's own schedule where its sampler is the one named.
    /// </summary>
    public static string? Choose(string? samplerName, string samplerField, string? scheduleName, string modelDefault)
    {
        bool legacyKarras = samplerName is not null && LegacyDpmPlusPlus2MKarras.Contains(samplerName, StringComparer.OrdinalIgnoreCase);
        Sampler? sampler = string.IsNullOrEmpty(samplerName) ? null
            : legacyKarras ? DpmPlusPlus2M
            : All.FirstOrDefault(s => Names(s.Name, s.Aliases, samplerName))
              ?? throw ServiceException.Invalid(samplerField, $"sampler '{samplerName}' is not available (samplers on this server: {string.Join(", ", All.Select(s => s.Name))})");
        ScheduleType? schedule = string.IsNullOrEmpty(scheduleName) ? null
            : Schedules.FirstOrDefault(s => Names(s.Label, [s.Name], scheduleName))
              ?? throw ServiceException.Invalid("scheduler", $"schedule type '{scheduleName}' is not available (schedule types on this server: {string.Join(", ", Schedules.Select(s => s.Label))})");
        if (legacyKarras && schedule is null or { Name: "automatic" }) schedule = KarrasSchedule;
        if (sampler is null && schedule is null or { Name: "automatic" }) return null;

        Sampler named = sampler ?? Describe(modelDefault).Sampler;
        string own = modelDefault == named.Plain || modelDefault == named.Karras ? modelDefault : named.Plain;
        if (schedule is null || schedule == Automatic) return own;
        if (schedule == Uniform) return named.Plain;
        return named.Karras ?? throw ServiceException.Invalid("scheduler",
            $"schedule type 'Karras' is available with {string.Join(" and ", All.Where(s => s.Karras is not null).Select(s => s.Name))} only, not with {named.Name}");
    }

    /// <summary>A1111's sampler and schedule type for a sampler that ran.</summary>
    public static (Sampler Sampler, ScheduleType Schedule) Describe(string choice) =>
        All.FirstOrDefault(s => s.Plain == choice) is { } plain ? (plain, Automatic)
        : All.FirstOrDefault(s => s.Karras == choice) is { } karras ? (karras, KarrasSchedule)
        : throw new ArgumentException($"no A1111 sampler for '{choice}'", nameof(choice));

    private static bool Names(string name, IReadOnlyList<string> aliases, string given) =>
        name.Equals(given, StringComparison.OrdinalIgnoreCase) || aliases.Contains(given, StringComparer.OrdinalIgnoreCase);
}
