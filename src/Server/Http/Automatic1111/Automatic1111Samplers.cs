using Server.Api;

namespace Server.Http.Automatic1111;

/// <summary>
/// A1111's sampler names and schedule types (its <c>scheduler</c> field, 1.9 and later) for the samplers this server runs
/// (<see cref="Align.Schedulers.SchedulerChoice"/>): Euler (with the Karras schedule: euler_karras), DDIM and LCM. Any
/// model runs any of them; other names are refused listing the ones that work.
/// </summary>
public static class Automatic1111Samplers
{
    public sealed record Sampler(string Name, IReadOnlyList<string> Aliases, IReadOnlyDictionary<string, string> Options);

    /// <summary>An entry of <c>GET /sdapi/v1/schedulers</c>.</summary>
    public sealed record ScheduleType(string Name, string Label);

    private static readonly Sampler Euler = new("Euler", ["k_euler"], new Dictionary<string, string>());
    private static readonly Sampler Ddim = new("DDIM", ["ddim"], new Dictionary<string, string>());
    private static readonly Sampler Lcm = new("LCM", ["k_lcm"], new Dictionary<string, string>());

    public static readonly IReadOnlyList<Sampler> All = [Euler, Ddim, Lcm];

    private static readonly ScheduleType Automatic = new("automatic", "Automatic");
    private static readonly ScheduleType Uniform = new("uniform", "Uniform");
    private static readonly ScheduleType Karras = new("karras", "Karras");

    public static readonly IReadOnlyList<ScheduleType> Schedules = [Automatic, Uniform, Karras];

    /// <summary>
    /// The sampler a txt2img request names, as a <see cref="Align.Schedulers.SchedulerChoice"/> name, or null for the model's
    /// own (<paramref name="modelDefault"/>). "Automatic" keeps the model's own schedule where its sampler is the one named.
    /// </summary>
    public static string? Choose(string? samplerName, string samplerField, string? scheduleName, string modelDefault)
    {
        Sampler? sampler = string.IsNullOrEmpty(samplerName) ? null
            : All.FirstOrDefault(s => Names(s.Name, s.Aliases, samplerName))
              ?? throw ServiceException.Invalid(samplerField, $"sampler '{samplerName}' is not available (samplers on this server: {string.Join(", ", All.Select(s => s.Name))})");
        ScheduleType? schedule = string.IsNullOrEmpty(scheduleName) ? null
            : Schedules.FirstOrDefault(s => Names(s.Label, [s.Name], scheduleName))
              ?? throw ServiceException.Invalid("scheduler", $"schedule type '{scheduleName}' is not available (schedule types on this server: {string.Join(", ", Schedules.Select(s => s.Label))})");
        if (sampler is null && schedule is null or { Name: "automatic" }) return null;

        Sampler named = sampler ?? Describe(modelDefault).Sampler;
        string own = named == Euler ? (modelDefault.StartsWith("euler", StringComparison.Ordinal) ? modelDefault : "euler")
            : named == Ddim ? "ddim" : "lcm";
        if (schedule is null || schedule == Automatic) return own;
        if (named == Euler) return schedule == Karras ? "euler_karras" : "euler";
        if (schedule == Karras) throw ServiceException.Invalid("scheduler", $"schedule type 'Karras' is available with the Euler sampler only, not with {named.Name}");
        return own; // DDIM and LCM space their steps uniformly as their config says
    }

    /// <summary>A1111's sampler and schedule type for a sampler that ran.</summary>
    public static (Sampler Sampler, ScheduleType Schedule) Describe(string choice) => choice switch
    {
        "euler" => (Euler, Automatic),
        "euler_karras" => (Euler, Karras),
        "ddim" => (Ddim, Automatic),
        "lcm" => (Lcm, Automatic),
        _ => throw new ArgumentException($"no A1111 sampler for '{choice}'", nameof(choice)),
    };

    private static bool Names(string name, IReadOnlyList<string> aliases, string given) =>
        name.Equals(given, StringComparison.OrdinalIgnoreCase) || aliases.Contains(given, StringComparer.OrdinalIgnoreCase);
}
