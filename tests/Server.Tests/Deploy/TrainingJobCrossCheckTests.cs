using System.Text.Json;
using System.Text.RegularExpressions;
using Server.Tests.RealProcess;

namespace Server.Tests.Deploy;

/// <summary>
/// The training Job and CronJob run commands and options the real align-train has (its --help), publish into the
/// adapter store on the claim the servers watch, and train the model the training image ships.
/// </summary>
public class TrainingJobCrossCheckTests
{
    private const string ImageModels = "/app/models/"; // docker/*.Dockerfile: COPY models/shapeworld /app/models/shapeworld

    /// <summary>Each training container with its pod spec (the Job's and the CronJob's job template's).</summary>
    private static IEnumerable<(JsonElement PodSpec, JsonElement Container)> TrainingContainers(Manifests manifests)
    {
        IEnumerable<JsonElement> pods = manifests.OfKind("Job").Select(j => j.GetProperty("spec").GetProperty("template").GetProperty("spec"))
            .Concat(manifests.OfKind("CronJob").Select(c => c.GetProperty("spec").GetProperty("jobTemplate").GetProperty("spec").GetProperty("template").GetProperty("spec")));
        foreach (JsonElement pod in pods)
        foreach (string list in new[] { "initContainers", "containers" })
            if (pod.TryGetProperty(list, out JsonElement containers))
                foreach (JsonElement container in containers.EnumerateArray())
                    yield return (pod, container);
    }

    private static string? Option(string[] args, string name) => Array.IndexOf(args, name) is >= 0 and var i && i + 1 < args.Length ? args[i + 1] : null;

    [Fact]
    public async Task EveryCommandAndOptionIsOneAlignTrainHas()
    {
        Manifests training = await Kustomize.ObjectsAsync("training");
        var run = TrainingContainers(training).Select(c => c.Container.GetProperty("args").EnumerateArray().Select(a => a.GetString()!).ToArray()).ToList();
        Assert.Contains(run, args => args[0] == "draft");
        Assert.Contains(run, args => args[0] == "dpo");

        foreach (string[] args in run)
        {
            Tool.Result help = await Tool.RunAsync("dotnet", [AlignTrainBuild.Dll, args[0], "--help"]);
            Assert.True(help.ExitCode == 0, $"align-train {args[0]} --help: {help}");
            string[] known = Regex.Matches(help.Stdout, @"(?<=\s|,)--[a-z0-9-]+").Select(m => m.Value).ToArray();
            string[] unknown = args.Skip(1).Where(a => a.StartsWith("--", StringComparison.Ordinal) && !known.Contains(a)).ToArray();
            Assert.True(unknown.Length == 0, $"align-train {args[0]} has no option {string.Join(", ", unknown)}; it has {string.Join(" ", known)}");
            string? model = Option(args, "--model");
            Assert.True(model is not null && model.StartsWith(ImageModels, StringComparison.Ordinal), $"{args[0]} trains {model}, not a model the image ships under {ImageModels}");
            string shipped = Path.Combine(RepositoryRoot.Path, "models", model[ImageModels.Length..], "model_index.json");
            Assert.True(File.Exists(shipped), $"{args[0]} trains {model}, but the repository has no {shipped} for the image to ship");
        }
    }

    [Fact]
    public async Task TrainingPublishesIntoTheAdapterStoreTheServersWatch()
    {
        Manifests training = await Kustomize.ObjectsAsync("training");
        var server = new ServerWorkload(await Kustomize.ObjectsAsync("base"));
        string serverStore = server.Settings["Server__Adapters__Store"];
        var (_, serverClaim) = ServerWorkload.MountAt(server.PodSpec, server.Container, serverStore);
        int publishers = 0;

        foreach (var (pod, container) in TrainingContainers(training))
        {
            string[] args = container.GetProperty("args").EnumerateArray().Select(a => a.GetString()!).ToArray();
            if (Option(args, "--publish") is not string store) continue;
            publishers++;
            var (mount, claim) = ServerWorkload.MountAt(pod, container, store);
            Assert.Equal(serverClaim, claim);
            Assert.False(ServerWorkload.IsReadOnly(mount), $"{args[0]} publishes to {store}, mounted read-only");
            Assert.Equal(serverStore, store); // one path for the store in every pod keeps the README's commands true
        }

        Assert.Equal(2, publishers);
    }
}
