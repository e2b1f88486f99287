using System.Globalization;
using Align.V1;
using Server.Adapters;
using Adapters = Server.Adapters;

namespace Server.Grpc;

/// <summary>Adapter descriptions as align.v1 messages.</summary>
public static class AdapterMessageTranslation
{
    public static AdapterInfo ToMessage(AdapterDescription d)
    {
        var info = new AdapterInfo
        {
            Name = d.Name,
            Version = d.Version,
            PublishedAt = d.PublishedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        };
        foreach ((string key, string value) in d.Annotations) info.Annotations[key] = value;
        foreach (Adapters.AdapterModelState m in d.Models)
        {
            var state = new Align.V1.AdapterModelState { Model = m.Model, Version = m.Version, Loaded = m.Loaded, Bytes = m.Bytes, InUse = m.InUse };
            if (m.Error is not null) state.Error = m.Error;
            if (m.FusedVersion is not null) state.FusedVersion = m.FusedVersion;
            info.Models.Add(state);
        }
        return info;
    }
}
