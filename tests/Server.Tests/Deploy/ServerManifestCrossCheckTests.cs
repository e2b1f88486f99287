using System.Globalization;
using System.Text.Json;
using Server.Adapters;
using Server.Queue;

namespace Server.Tests.Deploy;

/// <summary>
/// What each overlay tells Kubernetes about the server agrees with what the server reads: every environment variable
/// is a setting of its options classes, the named ports are the ports it listens on, the grace period outlasts its
/// drain, and the adapter store it watches is the shared read-write-many claim, mounted read-only.
/// </summary>
public class ServerManifestCrossCheckTests
{
    public static TheoryData<string> Overlays => new("overlays/gpu", "overlays/gpu-hpa", "overlays/cpu-dev");

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task EveryEnvironmentVariableIsASettingTheServerReads(string overlay)
    {
        var server = new ServerWorkload(await Kustomize.ObjectsAsync(overlay));
        var variables = server.Settings.ToList();
        foreach (JsonElement env in server.Container.TryGetProperty("env", out JsonElement e) ? e.EnumerateArray() : [])
            variables.Add(new(env.GetProperty("name").GetString()!, env.TryGetProperty("value", out JsonElement v) ? v.GetString()! : "from-a-secret"));

        string[] refusals = variables.Select(kv => ServerSettings.Refusal(kv.Key, kv.Value)).OfType<string>().ToArray();

        Assert.True(refusals.Length == 0, $"k8s/{overlay} sets what the server does not read:\n{string.Join("\n", refusals)}");
        Assert.Contains(variables, kv => kv.Key == "Server__ApiKey");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task PortsProbesServiceAndPolicyNameThePortsTheServerListensOn(string overlay)
    {
        var server = new ServerWorkload(await Kustomize.ObjectsAsync(overlay));
        var defaults = new ServerOptions();

        Assert.Equal(int.Parse(server.Setting("Server__HttpPort", defaults.HttpPort), CultureInfo.InvariantCulture), server.Port("http"));
        Assert.Equal(int.Parse(server.Setting("Server__GrpcPort", defaults.GrpcPort), CultureInfo.InvariantCulture), server.Port("grpc"));
        foreach (string probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
        {
            JsonElement p = server.Container.GetProperty(probe);
            // The HTTP port speaks HTTP/1.1 only and the gRPC port HTTP/2 only: an httpGet probe must go to the first.
            if (p.TryGetProperty("httpGet", out JsonElement get)) Assert.Equal("http", get.GetProperty("port").GetString());
            else Assert.Equal(server.Port("grpc"), p.GetProperty("grpc").GetProperty("port").GetInt32());
        }

        JsonElement service = server.Manifests.Get("Service", ServerWorkload.Name);
        string[] servicePorts = service.GetProperty("spec").GetProperty("ports").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToArray();
        foreach (JsonElement port in service.GetProperty("spec").GetProperty("ports").EnumerateArray())
        {
            Assert.Contains(port.GetProperty("targetPort").GetString(), server.PortNames);
            Assert.True(port.TryGetProperty("appProtocol", out _), $"service port {port.GetProperty("name")} names no appProtocol");
        }
        Assert.Equal(["grpc", "http"], servicePorts.Order());
        JsonElement monitor = server.Manifests.Get("ServiceMonitor", ServerWorkload.Name);
        foreach (JsonElement endpoint in monitor.GetProperty("spec").GetProperty("endpoints").EnumerateArray())
            Assert.Contains(endpoint.GetProperty("port").GetString(), servicePorts);
        JsonElement policy = server.Manifests.Get("NetworkPolicy", ServerWorkload.Name);
        foreach (JsonElement rule in policy.GetProperty("spec").GetProperty("ingress").EnumerateArray())
        foreach (JsonElement port in rule.GetProperty("ports").EnumerateArray())
            Assert.Contains(port.GetProperty("port").GetString(), server.PortNames);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task TheGracePeriodOutlastsTheDrain(string overlay)
    {
        var server = new ServerWorkload(await Kustomize.ObjectsAsync(overlay));
        double drain = double.Parse(server.Setting("Server__Queue__ShutdownTimeoutSeconds", new QueueOptions().ShutdownTimeoutSeconds), CultureInfo.InvariantCulture);

        int grace = server.PodSpec.GetProperty("terminationGracePeriodSeconds").GetInt32();

        // Program.cs gives the host the drain plus 10 s to stop; the kubelet's SIGKILL must come after that.
        Assert.True(grace > drain + 10, $"terminationGracePeriodSeconds {grace} does not outlast the drain ({drain} s) plus the host's 10 s");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task TheAdapterStoreIsTheSharedClaimMountedReadOnlyAndSoAreTheModels(string overlay)
    {
        var server = new ServerWorkload(await Kustomize.ObjectsAsync(overlay));
        string store = server.Setting("Server__Adapters__Store", new AdapterOptions().Store ?? "");

        var (mount, claim) = ServerWorkload.MountAt(server.PodSpec, server.Container, store);

        Assert.Equal("align-adapters", claim);
        Assert.True(ServerWorkload.IsReadOnly(mount), "the server only reads the adapter store: its mount should be read-only");
        foreach (string name in new[] { "align-adapters", "align-models" })
        {
            JsonElement pvc = server.Manifests.Get("PersistentVolumeClaim", name);
            Assert.Contains("ReadWriteMany", pvc.GetProperty("spec").GetProperty("accessModes").EnumerateArray().Select(m => m.GetString()));
        }
        foreach (JsonElement m in server.Container.GetProperty("volumeMounts").EnumerateArray())
        {
            var (_, behind) = ServerWorkload.MountAt(server.PodSpec, server.Container, m.GetProperty("mountPath").GetString()!);
            if (behind is not null) Assert.True(ServerWorkload.IsReadOnly(m), $"the server mounts claim {behind} writable");
        }
    }
}
