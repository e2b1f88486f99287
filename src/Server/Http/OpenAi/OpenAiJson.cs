using System.Text.Json;
using System.Text.Json.Serialization;

namespace Server.Http.OpenAi;

/// <summary>OpenAI's JSON: snake_case, unknown request fields refused; responses keep explicit nulls (e.g. "param": null) as OpenAI does.</summary>
public static class OpenAiJson
{
    public static readonly JsonSerializerOptions Options = new(ApiJson.Options)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
