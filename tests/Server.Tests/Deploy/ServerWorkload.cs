using System.Globalization;
using System.Text.Json;

namespace Server.Tests.Deploy;

/// <summary>The server's objects in a rendered kustomization: its Deployment's container, settings and volumes.</summary>
public sealed class ServerWorkload(Manifests manifests)
{
    public const string Name = "align-server";

    public Manifests Manifests { get; } = manifests;
    public JsonElement Deployment { get; } = manifests.Get("Deployment", Name);
    public JsonElement PodSpec => Deployment.GetProperty("spec").GetProperty("template").GetProperty("spec");
    public JsonElement Container => PodSpec.GetProperty("containers").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "server");

    /// <summary>The ConfigMap the container takes its environment from, as name → value.</summary>
    public IReadOnlyDictionary<string, string> Settings
    {
        get
        {
            string configMap = Container.GetProperty("envFrom").EnumerateArray().Single().GetProperty("configMapRef").GetProperty("name").GetString()!;
            return Manifests.Get("ConfigMap", configMap).GetProperty("data").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        }
    }

    /// <summary>A setting from the ConfigMap, or the options class's default when the ConfigMap leaves it out.</summary>
    public string Setting(string name, object fallback) =>
        Settings.TryGetValue(name, out string? value) ? value : Convert.ToString(fallback, CultureInfo.InvariantCulture)!;

    public int Port(string name) =>
        Container.GetProperty("ports").EnumerateArray().SingleOrDefault(p => p.GetProperty("name").GetString() == name) is { ValueKind: JsonValueKind.Object } port
            ? port.GetProperty("containerPort").GetInt32()
            : throw new Xunit.Sdk.XunitException($"the server container has no port named {name}");

    public IEnumerable<string> PortNames => Container.GetProperty("ports").EnumerateArray().Select(p => p.GetProperty("name").GetString()!);

    /// <summary>The mount at PATH and the PersistentVolumeClaim behind it (null for other volume kinds).</summary>
    public static (JsonElement Mount, string? Claim) MountAt(JsonElement podSpec, JsonElement container, string path)
    {
        JsonElement mount = container.GetProperty("volumeMounts").EnumerateArray().SingleOrDefault(m => m.GetProperty("mountPath").GetString() == path);
        if (mount.ValueKind != JsonValueKind.Object)
            throw new Xunit.Sdk.XunitException($"container {container.GetProperty("name")} mounts nothing at {path}");
        string volume = mount.GetProperty("name").GetString()!;
        JsonElement source = podSpec.GetProperty("volumes").EnumerateArray().Single(v => v.GetProperty("name").GetString() == volume);
        return (mount, source.TryGetProperty("persistentVolumeClaim", out JsonElement pvc) ? pvc.GetProperty("claimName").GetString() : null);
    }

    public static bool IsReadOnly(JsonElement mount) => mount.TryGetProperty("readOnly", out JsonElement r) && r.GetBoolean();
}
