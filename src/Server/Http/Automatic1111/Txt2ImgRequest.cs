namespace Server.Http.Automatic1111;

/// <summary>
/// The fields of AUTOMATIC1111's POST /sdapi/v1/txt2img this server understands. Like A1111 (pydantic), other fields are
/// ignored, except the features it cannot honour (<see cref="EnableHr"/>, <see cref="RestoreFaces"/>, <see cref="Tiling"/>),
/// which are refused when switched on.
/// </summary>
public sealed class Txt2ImgRequest
{
    public string? Prompt { get; set; }
    public string? NegativePrompt { get; set; }
    public long? Seed { get; set; }
    public int? Steps { get; set; }
    public double? CfgScale { get; set; }
    public int? Width { get; set; }
    public int? Height { get; set; }
    public int? BatchSize { get; set; }
    public int? NIter { get; set; }
    public string? SamplerName { get; set; }
    public string? SamplerIndex { get; set; }
    /// <summary>The schedule type (A1111 1.9 and later): Automatic, Uniform or Karras.</summary>
    public string? Scheduler { get; set; }
    public Dictionary<string, System.Text.Json.JsonElement>? OverrideSettings { get; set; }
    public bool? SendImages { get; set; }
    public bool? EnableHr { get; set; }
    public bool? RestoreFaces { get; set; }
    public bool? Tiling { get; set; }
}
