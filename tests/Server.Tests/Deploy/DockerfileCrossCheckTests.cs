using System.Text.Json;
using Server.Tests.RealProcess;

namespace Server.Tests.Deploy;

/// <summary>
/// The images cannot be built here (no Docker engine), so what they promise is checked against what CI runs and what
/// the manifests expect: the build stage runs scripts/build.sh (the script setup.sh runs), the final stages run as the
/// manifests' non-root user, expose the server's ports, check /healthz, declare the stores as volumes at the paths the
/// manifests mount, carry OCI labels and no build tools.
/// </summary>
public class DockerfileCrossCheckTests
{
    public static TheoryData<string> Dockerfiles => new("docker/cpu.Dockerfile", "docker/gpu.Dockerfile");

    private static string[] BuildTools = ["cmake", "g++", "gcc", "make", "libtorch-dev", "python3-pip"];

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void TheBuildStageRunsTheScriptCiRuns(string file)
    {
        var docker = new Dockerfile(Path.Combine(RepositoryRoot.Path, file));
        string setup = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "scripts", "setup.sh"));

        string[] runs = docker.Stage("build").Where(i => i.Keyword == "RUN").Select(i => i.Arguments).ToArray();

        Assert.Contains("bash scripts/build.sh", setup);
        Assert.Contains(runs, r => r.Contains("PUBLISH_DIR=/out bash scripts/build.sh") || r.Contains("PUBLISH_DIR=/out bash scripts/setup.sh"));
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public async Task TheFinalStagesMatchTheManifests(string file)
    {
        var docker = new Dockerfile(Path.Combine(RepositoryRoot.Path, file));
        var server = new ServerWorkload(await Kustomize.ObjectsAsync("base"));
        JsonElement security = server.PodSpec.GetProperty("securityContext");
        string user = $"{security.GetProperty("runAsUser").GetInt32()}:{security.GetProperty("runAsGroup").GetInt32()}";
        string store = server.Settings["Server__Adapters__Store"];
        string models = server.Container.GetProperty("volumeMounts").EnumerateArray()
            .Single(m => m.GetProperty("name").GetString() == "models").GetProperty("mountPath").GetString()!;
        var defaults = new ServerOptions();

        foreach (string target in new[] { "server", "training" })
        {
            var stage = docker.WithBases(target).ToList();
            string Joined(string keyword) => string.Join("\n", stage.Where(i => i.Keyword == keyword).Select(i => i.Arguments));
            Assert.Equal(user, stage.Last(i => i.Keyword == "USER").Arguments);
            Assert.Contains(store, Joined("VOLUME"));
            Assert.Contains(models, Joined("VOLUME"));
            foreach (string label in new[] { "title", "description", "version", "revision" })
                Assert.Contains($"org.opencontainers.image.{label}=", Joined("LABEL"));
            string[] installed = Joined("RUN").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(!installed.Intersect(BuildTools).Any(), $"{file} {target} installs build tools: {string.Join(", ", installed.Intersect(BuildTools))}");
        }
        var serverStage = docker.WithBases("server").ToList();
        Assert.Equal($"{defaults.HttpPort} {defaults.GrpcPort}", serverStage.Single(i => i.Keyword == "EXPOSE").Arguments);
        string health = serverStage.Single(i => i.Keyword == "HEALTHCHECK").Arguments;
        string liveness = server.Container.GetProperty("livenessProbe").GetProperty("httpGet").GetProperty("path").GetString()!;
        Assert.Contains($"http://127.0.0.1:{defaults.HttpPort}{liveness}", health);
        Assert.Contains($"Server__Adapters__Store={store}", string.Join(" ", serverStage.Where(i => i.Keyword == "ENV").Select(i => i.Arguments)));
    }

    [Fact]
    public async Task TheManifestsRunTheImagesUserAsNonRootOnAReadOnlyRoot()
    {
        foreach (string kustomization in new[] { "base", "training" })
        foreach (JsonElement o in (await Kustomize.ObjectsAsync(kustomization)).Objects)
        {
            string kind = o.GetProperty("kind").GetString()!;
            JsonElement? pod = kind switch
            {
                "Deployment" or "Job" => o.GetProperty("spec").GetProperty("template").GetProperty("spec"),
                "CronJob" => o.GetProperty("spec").GetProperty("jobTemplate").GetProperty("spec").GetProperty("template").GetProperty("spec"),
                _ => null,
            };
            if (pod is not JsonElement spec) continue;
            Assert.True(spec.GetProperty("securityContext").GetProperty("runAsNonRoot").GetBoolean(), $"{kind} runs as root");
            foreach (string list in new[] { "initContainers", "containers" })
            foreach (JsonElement c in spec.TryGetProperty(list, out JsonElement cs) ? cs.EnumerateArray() : [])
            {
                JsonElement context = c.GetProperty("securityContext");
                Assert.True(context.GetProperty("readOnlyRootFilesystem").GetBoolean(), $"{kind} {c.GetProperty("name")}: writable root");
                Assert.False(context.GetProperty("allowPrivilegeEscalation").GetBoolean(), $"{kind} {c.GetProperty("name")}: privilege escalation");
            }
        }
    }
}
