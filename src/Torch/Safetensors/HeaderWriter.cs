using System.Text;

namespace Torch;

/// <summary>
/// Writes a safetensors header as the reference writer does: compact JSON, <c>__metadata__</c> first,
/// then the tensors in layout order, padded with spaces to a multiple of 8 bytes so the data that
/// follows is 8-byte aligned.
/// </summary>
internal static class HeaderWriter
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public readonly record struct Item(string Name, DType DType, long[] Shape, long Begin, long End);

    public static byte[] Write(IEnumerable<KeyValuePair<string, string>>? metadata, IEnumerable<Item> items)
    {
        var json = new StringBuilder("{");
        bool first = true;
        if (metadata is not null)
        {
            json.Append('"').Append(SafetensorsHeader.MetadataKey).Append("\":{");
            bool firstKey = true;
            foreach ((string key, string value) in metadata)
            {
                if (!firstKey) json.Append(',');
                firstKey = false;
                AppendString(json, key).Append(':');
                AppendString(json, value);
            }
            json.Append('}');
            first = false;
        }
        foreach (Item t in items)
        {
            if (!first) json.Append(',');
            first = false;
            AppendString(json, t.Name);
            json.Append(":{\"dtype\":\"").Append(SafetensorsDTypes.Name(t.DType)).Append("\",\"shape\":[")
                .AppendJoin(',', t.Shape).Append("],\"data_offsets\":[").Append(t.Begin).Append(',').Append(t.End).Append("]}");
        }
        json.Append('}');

        byte[] utf8 = StrictUtf8.GetBytes(json.ToString());
        int padding = (8 - utf8.Length % 8) % 8;
        var header = new byte[utf8.Length + padding];
        utf8.CopyTo(header, 0);
        header.AsSpan(utf8.Length).Fill((byte)' ');
        return header;
    }

    /// <summary>A JSON string with serde_json's escaping: quote, backslash and control characters only.</summary>
    private static StringBuilder AppendString(StringBuilder json, string s)
    {
        json.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\b': json.Append("\\b"); break;
                case '\f': json.Append("\\f"); break;
                case '\n': json.Append("\\n"); break;
                case '\r': json.Append("\\r"); break;
                case '\t': json.Append("\\t"); break;
                default:
                    if (c < 0x20) json.Append("\\u00").Append(((int)c).ToString("x2"));
                    else json.Append(c);
                    break;
            }
        }
        return json.Append('"');
    }
}
