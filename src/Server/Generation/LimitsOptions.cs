namespace Server.Generation;

/// <summary>What one request may ask for; bound from "Server:Limits". A request beyond a limit is refused naming the field.</summary>
public sealed class LimitsOptions
{
    public const string Section = "Server:Limits";

    public int MaxWidth { get; set; } = 1024;
    public int MaxHeight { get; set; } = 1024;
    public int MaxSteps { get; set; } = 100;
    public int MaxImages { get; set; } = 8;
    public double MaxGuidance { get; set; } = 30;
    public int MaxPromptLength { get; set; } = 2000;
    public int MaxIterations { get; set; } = 200;
    public int MaxCandidates { get; set; } = 64;
    public int MaxTimeBudgetMs { get; set; } = 600_000;
    public int MaxPreviews { get; set; } = 3;
}
