using System.Text.Json;

namespace Server.Http;

/// <summary>What is wrong with a JSON request body, for each API to word as its clients expect.</summary>
public enum JsonBodyProblem
{
    /// <summary>The Content-Type is not JSON.</summary>
    NotJson,
    /// <summary>The body is JSON <c>null</c>.</summary>
    NotObject,
    /// <summary>A field the request type does not have (with options that disallow unmapped members).</summary>
    UnknownField,
    /// <summary>A field's value is of the wrong JSON type.</summary>
    WrongType,
    /// <summary>Not parseable as JSON.</summary>
    Malformed,
}

/// <param name="Field">the field at fault, as a dotted path ("alignment.method"), when the parser named one</param>
/// <param name="Detail">the parser's own first sentence</param>
public sealed class JsonBodyException(JsonBodyProblem problem, string? field, string detail) : Exception(detail)
{
    public JsonBodyProblem Problem { get; } = problem;
    public string? Field { get; } = field;
}

/// <summary>Reads a JSON request body into a request type, the one way the HTTP APIs (own, OpenAI, A1111) do.</summary>
public static class JsonBody
{
    /// <exception cref="JsonBodyException">the body is not a <typeparamref name="T"/></exception>
    public static async Task<T> ReadAsync<T>(HttpContext context, JsonSerializerOptions options) where T : class
    {
        if (!context.Request.HasJsonContentType())
            throw new JsonBodyException(JsonBodyProblem.NotJson, null, "the body must be JSON (Content-Type: application/json)");
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(context.Request.Body, options, context.RequestAborted)
                   ?? throw new JsonBodyException(JsonBodyProblem.NotObject, null, "the body must be a JSON object");
        }
        catch (JsonException e)
        {
            // System.Text.Json's path "$.alignment.method" → "alignment.method"
            string? field = e.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
            JsonBodyProblem problem = e.Message.Contains("could not be mapped", StringComparison.Ordinal) ? JsonBodyProblem.UnknownField
                : e.Message.Contains("could not be converted", StringComparison.Ordinal) ? JsonBodyProblem.WrongType
                : JsonBodyProblem.Malformed;
            int cut = e.Message.IndexOf(" Path:", StringComparison.Ordinal);
            throw new JsonBodyException(problem, field, cut > 0 ? e.Message[..cut] : e.Message);
        }
    }
}
