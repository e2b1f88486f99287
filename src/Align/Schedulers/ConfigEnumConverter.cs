using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Align.Schedulers;

/// <summary>
/// Reads a scheduler config string into an enum by the diffusers spelling each member declares with
/// <see cref="JsonStringEnumMemberNameAttribute"/>; any other value fails naming it and the accepted ones.
/// </summary>
public sealed class ConfigEnumConverter<T> : JsonConverter<T> where T : struct, Enum
{
    private static readonly (string Name, T Value)[] Members = typeof(T).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name, (T)f.GetValue(null)!))
        .ToArray();

    /// <summary>The diffusers spelling of <paramref name="value"/>.</summary>
    public static string NameOf(T value) => Members.First(m => m.Value.Equals(value)).Name;

    public static string Expected => string.Join(", ", Members.Select(m => m.Name));

    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string shown = reader.TokenType switch
        {
            JsonTokenType.String => $"'{reader.GetString()}'",
            JsonTokenType.Null => "null",
            _ => Rendered(ref reader),
        };
        if (reader.TokenType == JsonTokenType.String)
        {
            string? s = reader.GetString();
            foreach ((string name, T value) in Members)
                if (name == s) return value;
        }
        throw new JsonException($"{shown} is not supported (expected one of: {Expected})");
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(NameOf(value));

    private static string Rendered(ref Utf8JsonReader reader)
    {
        using JsonDocument doc = JsonDocument.ParseValue(ref reader);
        return doc.RootElement.GetRawText();
    }
}
