using System.Text.Json;
using System.Text.Unicode;

namespace Torch;

/// <summary>
/// Parses and validates a safetensors JSON header with the checks of the reference implementation:
/// a JSON object starting with '{', no duplicate keys, <c>__metadata__</c> a string→string map, each
/// tensor a known dtype with a non-negative shape and offsets whose length is numel × element size,
/// and the offsets tiling the data buffer exactly (no overlap, no hole, nothing past the end or after it).
/// </summary>
internal static class SafetensorsHeader
{
    public const string MetadataKey = "__metadata__";

    public static (Dictionary<string, string> Metadata, List<SafetensorsEntry> Entries) Parse(
        byte[] header, string path, long dataLength)
    {
        if (!Utf8.IsValid(header)) throw Fail(path, "header is not valid UTF-8");
        if (header.Length == 0 || header[0] != (byte)'{')
            throw Fail(path, "header is not a JSON object: it must start with '{'");

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            throw Fail(path, $"header is not valid JSON: {e.Message}", e);
        }

        using (doc)
        {
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Fail(path, $"header is a JSON {Kind(root)}, expected an object");

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<SafetensorsEntry>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                foreach (JsonProperty p in root.EnumerateObject())
                {
                    if (!seen.Add(p.Name)) throw Fail(path, $"duplicate key '{p.Name}' in the header");
                    if (p.Name == MetadataKey) ParseMetadata(p.Value, metadata, path);
                    else entries.Add(ParseEntry(p.Name, p.Value, path, dataLength));
                }
            }
            catch (InvalidOperationException e)
            {
                // JsonDocument accepts escaped lone surrogates ("\ud800") and only fails when the string is read.
                throw Fail(path, $"header is not valid JSON: {e.Message}", e);
            }

            CheckLayout(entries, path, dataLength);
            return (metadata, entries);
        }
    }

    private static void ParseMetadata(JsonElement value, Dictionary<string, string> metadata, string path)
    {
        if (value.ValueKind == JsonValueKind.Null) return; // the reference reads null as "no metadata"
        if (value.ValueKind != JsonValueKind.Object)
            throw Fail(path, $"'{MetadataKey}' is a JSON {Kind(value)}, expected an object of strings");
        foreach (JsonProperty m in value.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String)
                throw Fail(path, $"'{MetadataKey}' value for key '{m.Name}' is a JSON {Kind(m.Value)}, expected a string");
            if (!metadata.TryAdd(m.Name, m.Value.GetString()!))
                throw Fail(path, $"duplicate key '{m.Name}' in '{MetadataKey}'");
        }
    }

    private static SafetensorsEntry ParseEntry(string name, JsonElement value, string path, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Fail(path, $"tensor '{name}': entry is a JSON {Kind(value)}, expected an object with dtype, shape and data_offsets");

        JsonElement? dtypeJson = null, shapeJson = null, offsetsJson = null;
        foreach (JsonProperty f in value.EnumerateObject())
        {
            switch (f.Name)
            {
                case "dtype": dtypeJson = Once(dtypeJson, f, name, path); break;
                case "shape": shapeJson = Once(shapeJson, f, name, path); break;
                case "data_offsets": offsetsJson = Once(offsetsJson, f, name, path); break;
                default: break; // other fields are ignored, as the reference does
            }
        }

        DType dtype = ParseDType(name, dtypeJson, path);
        long[] shape = ParseShape(name, shapeJson, path);
        (long begin, long end) = ParseOffsets(name, offsetsJson, path);

        long numEl = 1;
        long nbytes;
        try
        {
            checked
            {
                foreach (long d in shape) numEl *= d;
                nbytes = numEl * dtype.ElementSize();
            }
        }
        catch (OverflowException)
        {
            throw Fail(path, $"tensor '{name}': shape [{string.Join(", ", shape)}] is too large (byte size overflows)");
        }

        if (end < begin)
            throw Fail(path, $"tensor '{name}': data_offsets [{begin}, {end}] end before they begin");
        if (end > dataLength)
            throw Fail(path, $"tensor '{name}': data_offsets [{begin}, {end}] reach past the end of the data buffer "
                + $"({dataLength} bytes): the file is truncated or the offsets are out of range");
        if (end - begin != nbytes)
            throw Fail(path, $"tensor '{name}': data_offsets [{begin}, {end}] span {end - begin} bytes but "
                + $"{SafetensorsDTypes.Name(dtype)} [{string.Join(", ", shape)}] needs {nbytes}");

        return new SafetensorsEntry(name, dtype, shape, numEl, begin, end);
    }

    private static JsonElement Once(JsonElement? existing, JsonProperty field, string name, string path) =>
        existing is null ? field.Value : throw Fail(path, $"tensor '{name}': duplicate field '{field.Name}'");

    private static DType ParseDType(string name, JsonElement? json, string path)
    {
        if (json is not { } v) throw Fail(path, $"tensor '{name}': missing field 'dtype'");
        if (v.ValueKind != JsonValueKind.String)
            throw Fail(path, $"tensor '{name}': dtype is a JSON {Kind(v)}, expected a string");
        string s = v.GetString()!;
        if (SafetensorsDTypes.TryParse(s, out DType dtype)) return dtype;
        if (SafetensorsDTypes.IsKnownButUnsupported(s))
            throw Fail(path, $"tensor '{name}': dtype '{s}' is not supported (libtorch 1.13 has no such element type)");
        throw Fail(path, $"tensor '{name}': unknown dtype '{s}'");
    }

    private static long[] ParseShape(string name, JsonElement? json, string path)
    {
        if (json is not { } v) throw Fail(path, $"tensor '{name}': missing field 'shape'");
        if (v.ValueKind != JsonValueKind.Array)
            throw Fail(path, $"tensor '{name}': shape is a JSON {Kind(v)}, expected an array of non-negative integers");
        var shape = new long[v.GetArrayLength()];
        int i = 0;
        foreach (JsonElement d in v.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long size))
                throw Fail(path, $"tensor '{name}': shape[{i}] is {d.GetRawText()}, expected a non-negative integer");
            if (size < 0) throw Fail(path, $"tensor '{name}': shape[{i}] is negative ({size})");
            shape[i++] = size;
        }
        return shape;
    }

    private static (long Begin, long End) ParseOffsets(string name, JsonElement? json, string path)
    {
        if (json is not { } v) throw Fail(path, $"tensor '{name}': missing field 'data_offsets'");
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() != 2)
            throw Fail(path, $"tensor '{name}': data_offsets is {Abbreviate(v.GetRawText())}, expected [begin, end]");
        long begin = Offset(v[0]), end = Offset(v[1]);
        return (begin, end);

        long Offset(JsonElement o)
        {
            if (o.ValueKind != JsonValueKind.Number || !o.TryGetInt64(out long x) || x < 0)
                throw Fail(path, $"tensor '{name}': data_offsets {Abbreviate(v.GetRawText())} are not two non-negative integers");
            return x;
        }
    }

    /// <summary>Sorts by offsets and checks that the tensors tile the data buffer exactly.</summary>
    private static void CheckLayout(List<SafetensorsEntry> entries, string path, long dataLength)
    {
        entries.Sort((a, b) => a.DataBegin != b.DataBegin ? a.DataBegin.CompareTo(b.DataBegin) : a.DataEnd.CompareTo(b.DataEnd));
        long expected = 0;
        SafetensorsEntry? previous = null;
        foreach (SafetensorsEntry e in entries)
        {
            if (e.DataBegin < expected)
                throw Fail(path, $"tensor '{e.Name}' (bytes {e.DataBegin}..{e.DataEnd}) overlaps tensor '{previous!.Name}' "
                    + $"(bytes {previous.DataBegin}..{previous.DataEnd})");
            if (e.DataBegin > expected)
                throw Fail(path, $"the data buffer has a hole of {e.DataBegin - expected} bytes at offset {expected}, "
                    + $"before tensor '{e.Name}': offsets must cover the buffer without gaps");
            expected = e.DataEnd;
            previous = e;
        }
        if (expected != dataLength)
            throw Fail(path, $"the data buffer is {dataLength} bytes but the tensors cover only {expected}: "
                + $"{dataLength - expected} trailing bytes belong to no tensor");
    }

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => "value",
    };

    private static string Abbreviate(string s) => s.Length <= 60 ? s : s[..57] + "...";

    private static SafetensorsException Fail(string path, string problem, Exception? inner = null) => new(path, problem, inner);
}
