namespace Align.Models.Diffusers;

/// <summary>The keys diffusers writes at the top of every component config.</summary>
public static class DiffusersConfig
{
    /// <summary>The diffusers version whose configs and outputs this port follows (the reference outputs were made with it).</summary>
    public const string Version = "0.27.2";

    public static IReadOnlyDictionary<string, object> Header(string className) =>
        new Dictionary<string, object> { ["_class_name"] = className, ["_diffusers_version"] = Version };
}
