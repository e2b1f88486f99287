using System.Text.Json;
using System.Text.Json.Serialization;

namespace Server.Http.Automatic1111;

/// <summary>A1111's JSON: snake_case; request fields it does not know are ignored (as pydantic does), not refused.</summary>
public static class Automatic1111Json
{
    public static readonly JsonSerializerOptions Options = new(ApiJson.Options)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never, // responses keep A1111's explicit nulls
    };
}
